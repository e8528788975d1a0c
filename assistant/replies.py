"""The channel-neutral reply model: what Apuri says, before any channel renders it.

Actions build replies with this model and send them through the rasa-sdk dispatcher
(`send`): the text and buttons as Rasa's own fields, the card and the hand-off in Rasa's
custom payload. `Reply.from_rasa` reads them back on arrival in the gateway, and each
channel renders the model for its medium. A field that is not in the model is refused on
both sides, never dropped on the way.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from texts import LANGUAGES, Language

__all__ = [
    "LANGUAGES",
    "PAYLOAD_PATTERN",
    "AssistantResponse",
    "Button",
    "Card",
    "CardField",
    "CardLink",
    "Handoff",
    "Language",
    "Reply",
    "payload",
    "send",
]

# A button payload: "/intent" optionally followed by a JSON object of entities. The gateway
# accepts a payload only in this shape (`assistant.core.check_payload`).
PAYLOAD_PATTERN = re.compile(r"^/[a-z][a-z0-9_]{0,63}(\{.{0,500}\})?$", re.DOTALL)

CardKind = Literal["info", "service", "booking", "telecare"]
HandoffKind = Literal["helpline", "nurse"]


def payload(intent: str, **entities: str) -> str:
    """A button's payload: `/intent`, with its entities as a compact JSON object.

    Raises ValueError for a payload the gateway would not accept back.
    """
    body = json.dumps(entities, ensure_ascii=False, separators=(",", ":")) if entities else ""
    built = f"/{intent}{body}"
    if not PAYLOAD_PATTERN.match(built):
        raise ValueError(f"not a button payload: intent {intent!r}")
    return built


class Button(BaseModel):
    """A quick reply: what the resident sees, and what Apuri receives when it is chosen."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    payload: str


class CardLink(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    url: str


class CardField(BaseModel):
    """One labelled fact on a card ("Cost": "free")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    value: str


class Card(BaseModel):
    """A structured answer (a service, a booking): channels show as much of it as fits.

    The reply's text says the essentials on its own, for channels that show no cards.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: CardKind = Field(
        default="info", description="What the card presents: service, booking..."
    )
    id: str | None = Field(default=None, description="The presented thing's id (a service id).")
    lang: Language | None = Field(default=None, description="The language of the card's text.")
    title: str
    summary: str | None = None
    note: str | None = Field(
        default=None, description="A caveat, e.g. that the text is in another language."
    )
    fields: list[CardField] = Field(default_factory=list)
    links: list[CardLink] = Field(default_factory=list)


class Handoff(BaseModel):
    """A request to hand the resident over to a person (a nurse, the city's helpline)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: HandoffKind
    reason: str | None = None
    join_url: str | None = Field(
        default=None, description="Where the resident joins the call (a nurse hand-off)."
    )
    urgency: str | None = Field(default=None, description="How soon a nurse is needed.")


class _Custom(BaseModel):
    """What a reply carries in Rasa's custom payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    card: Card | None = None
    handoff: Handoff | None = None


class Reply(BaseModel):
    """One message from Apuri to the resident."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str | None = None
    buttons: list[Button] = Field(default_factory=list)
    card: Card | None = None
    handoff: Handoff | None = None

    @classmethod
    def from_rasa(cls, message: dict[str, Any]) -> Reply:
        """Build a reply from one message of Rasa's collecting output channel.

        Raises pydantic's ValidationError for a custom payload outside the model.
        """
        raw = message.get("custom")
        custom = _Custom.model_validate(raw) if isinstance(raw, dict) else _Custom()
        buttons = [
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in message.get("buttons") or []
            if isinstance(b, dict) and b.get("payload")
        ]
        text = message.get("text")
        return cls(
            text=str(text) if text is not None else None,
            buttons=buttons,
            card=custom.card,
            handoff=custom.handoff,
        )

    def to_rasa(self) -> dict[str, Any]:
        """The reply as the dispatcher's arguments: text, buttons and custom payload."""
        custom = _Custom(card=self.card, handoff=self.handoff)
        return {
            "text": self.text,
            "buttons": [b.model_dump() for b in self.buttons],
            "json_message": custom.model_dump(mode="json", exclude_none=True) or None,
        }

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.buttons or self.card or self.handoff)


class Dispatcher(Protocol):
    """What `send` needs of rasa-sdk's `CollectingDispatcher`."""

    def utter_message(self, **message: Any) -> None: ...


def send(dispatcher: Dispatcher, reply: Reply) -> None:
    """Sends one reply through an action's dispatcher, as `Reply.from_rasa` reads it."""
    dispatcher.utter_message(**reply.to_rasa())


class AssistantResponse(BaseModel):
    """Everything Apuri answers to one inbound message."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    lang: Language
    replies: list[Reply]
