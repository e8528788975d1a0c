"""What the web chat channel itself says when it cannot pass a message on, per language.

The dialogue's own words come from Rasa; these are only the channel's error frames, the
`web.*` entries of the catalogs in `texts/locale/`. None of them repeats what the resident
wrote.
"""

from __future__ import annotations

from texts import Language, Table, has, text

# The texts as the catalogs have them, by error code, placeholders unfilled.
ERROR_TEXTS = Table("web")


def error_text(code: str, lang: Language, *, max_chars: int) -> str:
    """The channel's own error text for `code` in `lang` (an unknown code: internal_error)."""
    key = f"web.{code}" if has(f"web.{code}") else "web.internal_error"
    return text(key, lang, max_chars=max_chars)
