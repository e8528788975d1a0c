"""Training the Rasa model when, and only when, what it is trained from has changed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from assistant.settings import Settings

MODEL_NAME = "apuri"

# Everything a trained model depends on, relative to the repository root.
TRAINING_INPUTS = ("config.yml", "domain.yml", "nlu", "assistant/rasa_plugins", "requirements")


class TrainingError(RuntimeError):
    """Rasa could not train a model."""


def fingerprint(root: Path) -> str:
    """A digest of every file the model is trained from."""
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".pyc" or not file.exists():
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def model_path(settings: Settings) -> Path:
    return settings.model_dir / f"{MODEL_NAME}.tar.gz"


def rasa_environment(settings: Settings) -> dict[str, str]:
    """The environment every Rasa command runs with."""
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONPATH": str(settings.root),
            "RASA_CACHE_DIRECTORY": str(settings.var_dir / "rasa-cache"),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONWARNINGS": "ignore",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        }
    )
    return env


def needs_training(settings: Settings) -> bool:
    stamp = settings.model_dir / f"{MODEL_NAME}.fingerprint"
    if not model_path(settings).exists() or not stamp.exists():
        return True
    return stamp.read_text().strip() != fingerprint(settings.root)


def train(settings: Settings, force: bool = False) -> bool:
    """Train the model if its inputs changed (or `force`); True when it trained."""
    if not force and not needs_training(settings):
        print(f"[train] model is up to date: {model_path(settings)}", flush=True)
        return False
    if not settings.rasa_python.exists():
        raise TrainingError(f"{settings.rasa_python} is missing: run 'make setup' first")
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    digest = fingerprint(settings.root)
    print("[train] training the Rasa model (about a minute)…", flush=True)
    started = time.monotonic()
    rasa = settings.rasa_python.parent / "rasa"
    result = subprocess.run(
        [
            str(rasa),
            "train",
            "--data",
            "nlu",
            "--domain",
            "domain.yml",
            "--config",
            "config.yml",
            "--out",
            str(settings.model_dir),
            "--fixed-model-name",
            MODEL_NAME,
        ],
        cwd=settings.root,
        env=rasa_environment(settings),
        check=False,
        stdout=sys.stdout,
        stderr=sys.stderr,
    )
    if result.returncode != 0:
        raise TrainingError(f"rasa train failed with exit code {result.returncode}")
    (settings.model_dir / f"{MODEL_NAME}.fingerprint").write_text(digest + "\n")
    print(f"[train] trained in {time.monotonic() - started:.0f} s", flush=True)
    return True
