"""Apuri's input channel inside the Rasa server (runs in the Python 3.10 Rasa environment).

The gateway is Rasa's only client. This channel is Rasa's REST channel with the changes
that a city service needs:

* a shared internal token (`APURI_INTERNAL_TOKEN`) checked with `hmac.compare_digest`
  before the body is read, so nothing else on the machine can talk as a resident;
* the answer carries the conversation's language slot beside the messages, so the gateway
  knows which language it answered in;
* nothing a resident wrote is ever logged: Rasa's REST channel logs the text on failure,
  and Rasa's own warnings that quote a message or a payload are redacted (`log_privacy`);
* one bot message stays one message: Rasa's collecting channel splits a message with text,
  buttons and a custom payload (an answer card) into two, and cuts texts at blank lines;
* a message is all or nothing (`turns`): when an action cannot run (the action server is
  down or dies), the conversation is put back as it was before the message and the answer
  is 503 `{"error": "actions_unavailable", "processed": false}`, which the gateway retries
  and then reports as not processed; the same message sent again meets the same dialogue.
  While the model is loading the answer is 503 `{"error": "loading", "processed": false}`.

Configured in `credentials.yml` as `assistant.rasa_plugins.channel.ApuriInput`.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.rasa_plugins import log_privacy
from assistant.rasa_plugins.turns import guard_remote_actions, run_turn

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Apuri-Token"  # noqa: S105 - a header name, not a secret


class WholeMessageOutputChannel(CollectingOutputChannel):
    """Collects each bot message whole: text, buttons and custom payload together."""

    @classmethod
    def name(cls) -> str:
        return "apuri-collector"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        kept = {
            key: message[key]
            for key in ("text", "buttons", "quick_replies", "image", "attachment", "custom")
            if message.get(key)
        }
        if kept:
            await self._persist_message({"recipient_id": recipient_id, **kept})


class ApuriInput(InputChannel):
    """POST /webhooks/apuri/webhook: {"sender", "message", "metadata"} → messages + language."""

    @classmethod
    def name(cls) -> str:
        return "apuri"

    def __init__(self, token: str = "") -> None:
        self.token = token
        self._late_handlers_redacted = False
        guard_remote_actions()
        log_privacy.install()

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(token=os.environ.get("APURI_INTERNAL_TOKEN", ""))

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        given = request.headers.get(TOKEN_HEADER, "")
        return hmac.compare_digest(given.encode(), self.token.encode())

    async def _handle(
        self, agent: Any, sender: str, text: str, metadata: dict[str, Any]
    ) -> HTTPResponse:
        """One message, all or nothing: the replies, or 503 when an action could not run."""
        if not self._late_handlers_redacted:
            # Handlers added after the channel was made (Sanic's) are redacted too.
            log_privacy.install()
            self._late_handlers_redacted = True
        collector = WholeMessageOutputChannel()
        message = UserMessage(
            text,
            collector,
            sender,
            input_channel=str(metadata.get("channel") or self.name()),
            metadata=metadata,
        )
        with log_privacy.redacting(text):
            try:
                turn = await run_turn(agent, message)
                tracker = await agent.tracker_store.retrieve(sender)
            except Exception as error:
                logger.error("apuri.message.failed error=%s", type(error).__name__)
                return response.json({"error": "processing_failed"}, 500)
        if not turn.processed:
            if not turn.restored:
                # The dialogue moved on without the action: the message cannot be sent again.
                return response.json({"error": "processing_failed"}, 500)
            return response.json({"error": "actions_unavailable", "processed": False}, 503)
        language = tracker.get_slot("language") if tracker else None
        return response.json({"messages": collector.messages, "language": language})

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("apuri_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            ready = bool(agent and agent.is_ready())
            return response.json({"status": "ok" if ready else "loading"}, 200 if ready else 503)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "forbidden"}, 403)
            body = request.json if isinstance(request.json, dict) else None
            if body is None:
                return response.json({"error": "body must be a JSON object"}, 400)
            sender = body.get("sender")
            text = body.get("message")
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            if not isinstance(sender, str) or not sender or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, 400)

            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"error": "loading", "processed": False}, 503)
            return await self._handle(agent, sender, text, metadata)

        return webhook
