"""The action server registers the `actions` package exactly as `apuri run` starts it."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[2]


def test_every_action_in_the_package_registers_and_every_domain_action_has_one() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")  # raises if an action cannot name itself
    registered = set(executor.actions)
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    custom = {
        name
        for name in domain["actions"]
        if name.startswith(("action_", "validate_")) and not name.startswith("action_listen")
    }
    assert custom <= registered, f"domain actions with no code: {sorted(custom - registered)}"
