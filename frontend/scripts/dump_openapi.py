"""Write the ingress's OpenAPI document to frontend/openapi.json (`make frontend-api`); the web app's types come from it.

tests/http/test_frontend.py fails when this copy and `build_app().openapi()` differ.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ingress.app import build_app  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "openapi.json"
OUT.write_text(json.dumps(build_app().openapi(), indent=2, sort_keys=True) + "\n")
print(f"wrote {OUT}")
