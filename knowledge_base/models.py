"""The knowledge base's data shapes: service documents, answer cards, search results."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from texts import Language

# The language to show when a service has no text in the asked one: Finnish is the
# fullest (every service has it); Swedish is Helsinki's other official language.
FALLBACK_ORDER: dict[Language, tuple[Language, ...]] = {
    "fi": ("fi", "sv", "en"),
    "sv": ("sv", "fi", "en"),
    "en": ("en", "fi", "sv"),
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Link(_Frozen):
    """A web link with its title."""

    title: str
    url: str


class Channel(_Frozen):
    """One way to handle a service: an e-service, a phone line, a chat, a visiting point..."""

    kind: str
    name: str = ""
    links: tuple[Link, ...] = ()
    phone: str = ""
    call_charge: str = ""
    hours: tuple[str, ...] = ()
    email: str = ""
    address: str = ""
    requires_authentication: bool = False


class ServiceDocument(_Frozen):
    """A service's text in one language, cleaned and structured."""

    service_id: int
    lang: Language
    kind: str
    name: str
    synonyms: tuple[str, ...] = ()
    description: str = ""
    how_to_apply: str = ""
    information: str = ""
    cost: str = ""
    processing_time: str = ""
    links: tuple[Link, ...] = ()
    channels: tuple[Channel, ...] = ()
    source_url: str = ""


class SearchWords(_Frozen):
    """Words residents use for a service in a language the register has no text in.

    Written by Apuri's maintainers (`knowledge_base/data/search_words.jsonl`): the first is
    a translation of the service's name, the rest everyday words for what it is about.
    They are searched, never shown: the answer card keeps the register's own text.
    """

    service_id: int
    lang: Language
    words: tuple[str, ...]


class PhoneContact(_Frozen):
    """A phone number with its line's name, hours and call charge."""

    number: str
    name: str = ""
    hours: tuple[str, ...] = ()
    call_charge: str = ""


class AnswerCard(_Frozen):
    """What a reply needs to present one service, in one language."""

    service_id: int
    lang: Language
    fallback_lang: Language | None = Field(
        default=None, description="Set when the asked language was missing: the card's language."
    )
    name: str
    translated_name: str = Field(
        default="",
        description="With fallback_lang: Apuri's own rendering of the name in the asked language.",
    )
    summary: str = ""
    how_to_apply: str = ""
    cost: str = ""
    eservice: Link | None = None
    phones: tuple[PhoneContact, ...] = ()
    visiting_address: str = ""
    email: str = ""
    more_info: Link | None = None


class SearchHit(_Frozen):
    """One service found for a query."""

    service_id: int
    score: float
    name: str
    card: AnswerCard


class SearchResult(_Frozen):
    """The services found for a query and whether they answer it."""

    query: str
    lang: Language
    answered: bool
    confidence: float
    results: tuple[SearchHit, ...] = ()


class Manifest(_Frozen):
    """What a persisted index was built from and how."""

    format_version: int
    data_sha256: str
    search_words_sha256: str = ""
    model_name: str
    dimensions: int
    documents: dict[str, int]
    search_words: dict[str, int] = Field(default_factory=dict)
    passages: int
    services: int
    build_seconds: float
    built_at: str
