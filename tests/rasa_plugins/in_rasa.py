"""Runs a test script in Rasa's own interpreter (.venv-rasa), where Rasa's classes live.

Each script prints one JSON object as its last line; `run_in_rasa` returns it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = Path(os.environ.get("APURI_RASA_PYTHON", ".venv-rasa/bin/python"))
if not RASA_PYTHON.is_absolute():
    RASA_PYTHON = ROOT / RASA_PYTHON


def run_in_rasa(script: str, *args: str, workdir: Path) -> dict[str, Any]:
    """`script` run with `args` in `workdir`; skipped when Rasa's interpreter is missing."""
    if not RASA_PYTHON.exists():
        pytest.skip(f"{RASA_PYTHON} is missing: run `make setup` or set APURI_RASA_PYTHON")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
    }
    # The scripts read what Rasa writes in its plain log format.
    env.pop("FORCE_JSON_LOGGING", None)
    completed = subprocess.run(
        [str(RASA_PYTHON), "-c", script, *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    parsed: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return parsed
