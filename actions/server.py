"""The action server: every action of `actions/`, each given the process's dependencies.

`python -m actions.server --port 5055` (what `apuri run` starts) builds the dependencies
once from the environment (`Settings.from_env()`), registers one instance of each action
with rasa-sdk's executor and serves rasa-sdk's webhook and health check in this one
process, so the pools the actions were given are the ones that answer. The knowledge base
starts loading before the first request; the pools close when the server stops.
"""

from __future__ import annotations

import argparse
from typing import Any

from rasa_sdk import Action, endpoint
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions.booking import ActionBook, ActionBookingStop, ActionBookingSummary
from actions.booking_form import (
    ActionAskBookingDate,
    ActionAskBookingMinutes,
    ActionAskBookingPhone,
    ActionAskBookingResource,
    ActionAskBookingTime,
    ValidateBookingForm,
    ValidateContactForm,
)
from actions.booking_manage import ActionBookingManage
from actions.deps import Dependencies, build, close
from actions.identity import ActionAskVerificationCode
from actions.language import ActionSetLanguage
from actions.services import ActionLanguageSwitched, ActionSearchServices, ActionServiceFollowup
from actions.telecare import ActionRequestNurse
from assistant import logs
from assistant.settings import Settings


def served(deps: Dependencies) -> list[Action]:
    """One instance of every action the dialogue runs."""
    return [
        ActionSetLanguage(),
        ActionSearchServices(deps),
        ActionServiceFollowup(deps),
        ActionLanguageSwitched(deps),
        ValidateBookingForm(deps),
        ValidateContactForm(deps),
        ActionAskBookingResource(deps),
        ActionAskBookingMinutes(deps),
        ActionAskBookingDate(),
        ActionAskBookingTime(),
        ActionAskBookingPhone(),
        ActionAskVerificationCode(deps),
        ActionBookingSummary(deps),
        ActionBook(deps),
        ActionBookingStop(),
        ActionBookingManage(deps),
        ActionRequestNurse(deps),
    ]


def executor(deps: Dependencies) -> ActionExecutor:
    """rasa-sdk's executor with every action registered as an instance."""
    found = ActionExecutor()
    for action in served(deps):
        found.register_action(action)
    return found


def create_app(deps: Dependencies) -> Sanic[Any, Any]:
    """rasa-sdk's webhook app over `deps`, which it starts and closes with the server."""
    app: Sanic[Any, Any] = endpoint.create_app(executor(deps), cors_origins=None)

    async def start(_app: Sanic[Any, Any]) -> None:
        deps.search.start()

    async def stop(_app: Sanic[Any, Any]) -> None:
        await close(deps)

    app.register_listener(start, "before_server_start")
    app.register_listener(stop, "after_server_stop")
    return app


def main(argv: list[str] | None = None) -> None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description="Apuri's action server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.actions_port)
    args = parser.parse_args(argv)
    logs.configure(settings.log_level)
    app = create_app(build(settings))
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
