"""The channel-neutral reply model: what Apuri says, before any channel renders it.

Rasa produces messages as dicts (text, buttons, custom payloads); `Reply.from_rasa` turns
each one into this model, and each channel renders the model for its medium.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from texts import Language


class Button(BaseModel):
    """A quick reply: what the resident sees, and what Apuri receives when it is chosen."""

    model_config = ConfigDict(frozen=True)

    title: str
    payload: str


class CardLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    url: str


class CardField(BaseModel):
    """One labelled fact on a card ("Cost": "free")."""

    model_config = ConfigDict(frozen=True)

    label: str
    value: str


class Card(BaseModel):
    """A structured answer (a service, a booking): channels show as much of it as fits.

    The reply's text says the essentials on its own, for channels that show no cards.
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    kind: str = Field(default="info", description="What the card presents: service, booking...")
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

    model_config = ConfigDict(frozen=True, extra="allow")

    kind: str
    reason: str | None = None


class Reply(BaseModel):
    """One message from Apuri to the resident."""

    model_config = ConfigDict(frozen=True)

    text: str | None = None
    buttons: list[Button] = Field(default_factory=list)
    card: Card | None = None
    handoff: Handoff | None = None

    @classmethod
    def from_rasa(cls, message: dict[str, Any]) -> Reply:
        """Build a reply from one message of Rasa's collecting output channel."""
        custom = message.get("custom") if isinstance(message.get("custom"), dict) else {}
        buttons = [
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in message.get("buttons") or []
            if isinstance(b, dict) and b.get("payload")
        ]
        card = Card.model_validate(custom["card"]) if custom and "card" in custom else None
        handoff = (
            Handoff.model_validate(custom["handoff"]) if custom and "handoff" in custom else None
        )
        text = message.get("text")
        return cls(
            text=str(text) if text is not None else None,
            buttons=buttons,
            card=card,
            handoff=handoff,
        )

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.buttons or self.card or self.handoff)


class AssistantResponse(BaseModel):
    """Everything Apuri answers to one inbound message."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    lang: Language
    replies: list[Reply]
