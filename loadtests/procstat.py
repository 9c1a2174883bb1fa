"""CPU time of processes, from /proc: the app's (by what each process is), PostgreSQL's, the load generator's.

`CpuMeter(groups).start()` then `.stop()` gives CPU seconds per group over the interval. A process that ends in
between loses what it used since the start (an autoscaled replica going away): it is counted as far as it was seen.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    cmdline: str
    cpu_s: float


def read(pid: int) -> Proc | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        cmdline = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return Proc(pid, int(fields[1]), cmdline, (int(fields[11]) + int(fields[12])) / TICKS)


def everything() -> list[Proc]:
    found = (read(int(p.name)) for p in PROC.iterdir() if p.name.isdigit())
    return [p for p in found if p is not None]


def descendants(root: int, procs: Iterable[Proc]) -> set[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for p in procs:
        children[p.ppid].append(p.pid)
    out, todo = {root}, [root]
    while todo:
        for child in children[todo.pop()]:
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def serve_run_pid(port: int | None = None) -> int | None:
    """The `serve run` process (what `make run` started) serving HTTP on `port`, else the oldest one."""
    runs = [p for p in everything() if re.search(r"\bserve run\b", p.cmdline) and "serve_run.sh" not in p.cmdline]
    serving = [p for p in runs if port is not None and _http_port(p) == port]
    chosen = serving or runs
    return min(chosen, key=lambda p: p.pid).pid if chosen else None


def _http_port(proc: Proc) -> int | None:
    """The port in the config file that `serve run <config>` was given."""
    args = proc.cmdline.split()
    config = next((a for a in args if a.endswith((".yaml", ".yml"))), None)
    if config is None:
        return None
    try:
        path = Path(config) if Path(config).is_absolute() else (PROC / str(proc.pid) / "cwd").resolve() / config
        return int(yaml.safe_load(path.read_text())["http_options"]["port"])
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
        return None


def serve_label(proc: Proc) -> str:
    """What a process of the Serve app is: its deployment for a replica, else the Ray part it is."""
    replica = re.search(r"ray::ServeReplica:\w+:(\w+)", proc.cmdline)
    if replica:
        return replica.group(1)
    for needle, label in (
        ("haproxy", "haproxy"),
        ("ProxyActor", "Serve proxy"),
        ("ServeController", "Serve controller"),
    ):
        if needle in proc.cmdline:
            return label
    return "Ray (raylet, GCS, dashboard, serve run)"


Labeller = Callable[[Proc], str | None]


def services(proc: Proc) -> str | None:
    """What the app uses but is not: PostgreSQL (the primary and its replica), Redis, RabbitMQ."""
    if proc.cmdline.startswith("postgres"):
        return "PostgreSQL"
    if proc.cmdline.startswith("redis-server"):
        return "Redis"
    if "beam.smp" in proc.cmdline and "rabbit" in proc.cmdline:
        return "RabbitMQ"
    return None


@dataclass
class CpuMeter:
    """CPU of the app (`root` and every process under it, labelled by `app_label`) and of what `others` name."""

    root: int
    app_label: Callable[[Proc], str]
    others: list[Labeller] = field(default_factory=list)
    _start: dict[int, tuple[str, float]] = field(default_factory=dict)

    def _seen(self) -> dict[int, tuple[str, float]]:
        procs = everything()
        app = descendants(self.root, procs)
        seen = {}
        for proc in procs:
            label = (
                self.app_label(proc)
                if proc.pid in app
                else next((found for found in (other(proc) for other in self.others) if found is not None), None)
            )
            if label is not None:
                seen[proc.pid] = (label, proc.cpu_s)
        return seen

    def start(self) -> None:
        self._start = self._seen()

    def stop(self) -> dict[str, float]:
        """CPU seconds per label since start()."""
        used: dict[str, float] = defaultdict(float)
        for pid, (label, cpu_s) in self._seen().items():
            used[label] += cpu_s - self._start.get(pid, (label, 0.0))[1]
        return {label: round(seconds, 2) for label, seconds in sorted(used.items(), key=lambda kv: -kv[1])}


def this_process(label: str) -> Labeller:
    me = os.getpid()
    return lambda proc: label if proc.pid == me else None
