"""The three languages Apuri speaks: the only definition of them."""

from __future__ import annotations

from typing import Literal, TypeGuard

# Finnish, Swedish and English: every text a resident sees or hears exists in all three.
Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = ("fi", "sv", "en")


def is_language(value: object) -> TypeGuard[Language]:
    """Whether `value` is one of the three language codes."""
    return value in LANGUAGES


def language_or(value: object, default: Language = "fi") -> Language:
    """`value` when it is one of the three languages, otherwise `default`.

    For callers that take a language code from outside (a page's query, a stored row) and
    answer in Finnish when it is not one Apuri speaks.
    """
    return value if is_language(value) else default
