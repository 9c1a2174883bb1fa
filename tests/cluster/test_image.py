"""The container image (Dockerfile) without a Docker engine: base tag, COPY sources, what `pip install .` installs."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from cluster.generate import image, ray_version

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, list[str]]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip("\\").rstrip() + " " if line.rstrip().endswith("\\") else line
        if not line.rstrip().endswith("\\"):
            logical.append(current.strip())
            current = ""
    parsed = []
    for text in logical:
        keyword, _, rest = text.partition(" ")
        parsed.append((keyword.upper(), rest))
    return [(k, shlex.split(rest) if k in ("FROM", "COPY", "ADD") else [rest]) for k, rest in parsed]


def test_the_runtime_image_is_ray_at_the_pinned_version_on_python_311() -> None:
    bases = [args[0] for keyword, args in instructions() if keyword == "FROM"]
    assert bases[-1] == f"rayproject/ray:{ray_version()}-py311", bases
    assert ray_version() == "2.60.0"


def test_every_copy_source_exists_in_the_repository_and_is_not_dockerignored() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    copies = [args for keyword, args in instructions() if keyword in ("COPY", "ADD")]
    assert copies
    for args in copies:
        if any(a.startswith("--from=") for a in args):
            continue  # from a build stage, not from the repository
        sources = [a for a in args if not a.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert source.rstrip("/") not in ignored, f"COPY {source}: excluded by .dockerignore"


def test_the_stage_copy_takes_the_frontend_dist_the_build_stage_makes() -> None:
    staged = [args for keyword, args in instructions() if keyword == "COPY" and "--from=frontend" in args]
    assert staged and staged[0][-2] == "/src/frontend/dist/"
    build = " ".join(" ".join(args) for keyword, args in instructions() if keyword == "RUN")
    assert "npm ci" in build and "npm run build" in build and "mkdir -p /src/frontend/dist" in build


def test_the_manifests_run_the_image_of_this_version() -> None:
    rayservice = (ROOT / "cluster" / "kuberay" / "rayservice.yaml").read_text()
    assert f"image: {image()}" in rayservice


def test_pip_install_dot_carries_the_packages_and_the_migrations(tmp_path: Path) -> None:
    """What the image's `pip install .` installs (no editable checkout there): Alembic must find its scripts.
    Built from a copy of what the Dockerfile copies, so the build leaves nothing in the repository."""
    source = tmp_path / "src"
    for keyword, args in instructions():
        if keyword == "COPY" and not any(a.startswith("--from=") for a in args):
            for name in [a for a in args if not a.startswith("--")][:-1]:
                if (ROOT / name).is_dir() and name.rstrip("/") != ".":
                    shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
                elif (ROOT / name).is_file():
                    source.mkdir(exist_ok=True)
                    shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(tmp_path)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("eventbook-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"deployments/app.py", "ingress/serve_ingress.py", "adapters/db/migrations/env.py"} <= names
    assert any(n.startswith("adapters/db/migrations/versions/0001") for n in names)
    assert not any(n.startswith("tests/") for n in names)
