"""The action server serves an instance of every action, as `apuri run` starts it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import yaml
from rasa_sdk import Action

import actions
from actions import server
from assistant.settings import Settings
from tests.actions.deps import dependencies

ROOT = Path(__file__).resolve().parents[2]


def test_every_domain_action_is_served_by_the_action_server(settings: Settings) -> None:
    executor = server.executor(dependencies(settings))  # raises if an action cannot name itself
    registered = set(executor.actions)
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    custom = {
        name
        for name in domain["actions"]
        if name.startswith(("action_", "validate_")) and not name.startswith("action_listen")
    }
    assert custom <= registered, f"domain actions with no code: {sorted(custom - registered)}"


def test_every_action_of_the_package_is_served(settings: Settings) -> None:
    defined = set()
    for module in pkgutil.iter_modules(actions.__path__):
        found = importlib.import_module(f"actions.{module.name}")
        for _, cls in inspect.getmembers(found, inspect.isclass):
            if (
                issubclass(cls, Action)
                and cls.__module__ == found.__name__
                and not cls.__name__.startswith("_")
                and not inspect.isabstract(cls)
            ):
                defined.add(cls)
    served = {type(action) for action in server.served(dependencies(settings))}
    assert defined - served == set(), f"actions never served: {sorted(map(str, defined - served))}"
    assert len(served) == len(server.served(dependencies(settings))), "one instance each"
