"""Where the knowledge base keeps its built index."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def default_index_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$APURI_KB_DIR`, else `$APURI_VAR_DIR/kb`, else `var/kb` under the repository."""
    env = os.environ if environ is None else environ
    if env.get("APURI_KB_DIR"):
        return Path(env["APURI_KB_DIR"])
    var_dir = env.get("APURI_VAR_DIR")
    return (Path(var_dir) if var_dir else ROOT / "var") / "kb"
