"""What the gateway itself says to a resident when the dialogue engine cannot answer.

The texts are the `gateway.*` entries of the catalogs in `texts/locale/`.
"""

from __future__ import annotations

from texts import Language, Table
from texts import text as catalog_text

# The texts as the catalogs have them, by key after "gateway.", placeholders unfilled.
MESSAGES = Table("gateway")


def message(key: str, lang: Language, phone: str) -> str:
    """The gateway's own message `key` in `lang`."""
    return catalog_text(f"gateway.{key}", lang, phone=phone)
