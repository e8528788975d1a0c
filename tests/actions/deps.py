"""The actions' dependencies for a test: built from the test's settings as the action
server builds them, with the test's own real parts (index, engine, Redis) in their place."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from actions.deps import Dependencies, build
from assistant.settings import Settings


def dependencies(settings: Settings, **parts: Any) -> Dependencies:
    """`build(settings)` (nothing connected) with `parts` in place of what it built."""
    return replace(build(settings), **parts)
