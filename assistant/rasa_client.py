"""The gateway's client for Rasa: Apuri's token-checked input channel over loopback HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from assistant.logs import event
from assistant.replies import Reply

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/apuri/webhook"
HEALTH_PATH = "/webhooks/apuri/"
TOKEN_HEADER = "X-Apuri-Token"  # noqa: S105 - a header name, not a secret


class RasaUnavailable(Exception):
    """Rasa did not take the message: it was not processed and may be sent again.

    `reason`: "not_connected" (Rasa is starting or restarting), "loading" (its model is
    loading) or "actions_unavailable" (an action could not run, so Rasa put the
    conversation back as it was before the message)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RasaFailed(Exception):
    """Rasa took the message but did not answer properly: it must not be sent again blindly."""


@dataclass(frozen=True)
class RasaTurn:
    replies: list[Reply]
    language: str | None


class RasaClient:
    """Sends one resident message to Rasa and returns the replies and the language slot.

    A refused connection means Rasa never saw the message (it is starting or restarting),
    and a 503 means Rasa did not process it (its model is loading, or an action could not
    run and Rasa rolled the conversation back), so both are retried with backoff for up
    to `retry_seconds`. A timeout or an error after the message was delivered is not
    retried, because Rasa may have acted on it.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        token: str,
        timeout: float,
        retry_seconds: float,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._headers = {TOKEN_HEADER: token} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retry_seconds = retry_seconds

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> RasaTurn:
        body = {"sender": sender, "message": text, "metadata": metadata}
        deadline = time.monotonic() + self._retry_seconds
        delay = 0.1
        while True:
            try:
                async with self._session.post(
                    self._base_url + WEBHOOK_PATH,
                    json=body,
                    headers=self._headers,
                    timeout=self._timeout,
                ) as response:
                    if response.status == 503:
                        raise RasaUnavailable(await self._unavailable_reason(response))
                    if response.status != 200:
                        raise RasaFailed(f"rasa answered {response.status}")
                    payload = await response.json()
            except (aiohttp.ClientConnectorError, RasaUnavailable) as error:
                # Not connected, loading, or rolled back: the message was not processed.
                reason = error.reason if isinstance(error, RasaUnavailable) else "not_connected"
                event(logger, "rasa.retry", logging.WARNING, reason=reason, delay_s=delay)
                if time.monotonic() + delay > deadline:
                    raise RasaUnavailable(reason) from error
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            except aiohttp.ClientError as error:
                raise RasaFailed("rasa dropped the connection") from error
            except TimeoutError as error:
                raise RasaFailed("rasa did not answer in time") from error
            return self._parse(payload)

    @staticmethod
    async def _unavailable_reason(response: aiohttp.ClientResponse) -> str:
        """Why Rasa answered 503, from Apuri's channel's body ("loading" when it has none:
        Sanic answers before the channel exists)."""
        try:
            body = await response.json(content_type=None)
        except (aiohttp.ClientError, ValueError):
            return "loading"
        error = body.get("error") if isinstance(body, dict) else None
        return error if error in ("loading", "actions_unavailable") else "loading"

    @staticmethod
    def _parse(payload: Any) -> RasaTurn:
        if not isinstance(payload, dict) or not isinstance(payload.get("messages"), list):
            raise RasaFailed("rasa answered with an unexpected body")
        replies = [Reply.from_rasa(m) for m in payload["messages"] if isinstance(m, dict)]
        language = payload.get("language")
        return RasaTurn(
            replies=[r for r in replies if not r.is_empty],
            language=language if isinstance(language, str) else None,
        )

    async def ready(self) -> bool:
        """True when Rasa answers and has its model loaded."""
        try:
            async with self._session.get(
                self._base_url + HEALTH_PATH, timeout=aiohttp.ClientTimeout(total=2)
            ) as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False
