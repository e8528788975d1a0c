"""What Apuri says to residents, in the three languages it speaks.

`Language` and `LANGUAGES` name the languages (`texts.languages`); `text(key, lang, **values)`
gives any text outside domain.yml from the gettext catalogs under `texts/locale/`
(`texts.catalogs` says how they are laid out and read; `python -m texts check` checks them).
"""

from __future__ import annotations

from texts.catalogs import MissingValue, Table, TextError, UnknownText, has, template_of, text
from texts.languages import LANGUAGES, Language, is_language, language_or

__all__ = [
    "LANGUAGES",
    "Language",
    "MissingValue",
    "Table",
    "TextError",
    "UnknownText",
    "has",
    "is_language",
    "language_or",
    "template_of",
    "text",
]
