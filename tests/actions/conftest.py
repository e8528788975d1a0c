"""The service actions' dependencies: the real knowledge base and the test settings."""

from __future__ import annotations

import pytest

from actions.deps import Dependencies
from assistant.service_search import ServiceSearchProvider
from assistant.settings import Settings
from tests.actions.deps import dependencies


@pytest.fixture
def deps(settings: Settings, service_provider: ServiceSearchProvider) -> Dependencies:
    return dependencies(settings, search=service_provider)
