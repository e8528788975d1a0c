"""What the SMS and phone channels themselves say, in Finnish, Swedish and English.

The dialogue's own answers come from Rasa; these are only the channel's frame around them:
the keywords' confirmations, numbered choices, the voice menu and its fallbacks. They are the
`phone.*` entries of the catalogs in `texts/locale/`, where a note on each says whether it is
sent as an SMS (GSM-7) or spoken.
"""

from __future__ import annotations

from texts import Language, Table
from texts import text as catalog_text

# The texts as the catalogs have them, by key after "phone.", placeholders unfilled.
TEXTS = Table("phone")


def text(key: str, lang: Language, **values: str) -> str:
    """The channel text `key` in `lang`, with `values` filled in."""
    return catalog_text(f"phone.{key}", lang, **values)


def numbers_list(count: int, lang: Language) -> str:
    """ "1, 2 tai 3" for `count` choices."""
    numbers = [str(n) for n in range(1, count + 1)]
    if len(numbers) == 1:
        return numbers[0]
    return f"{', '.join(numbers[:-1])} {text('or', lang)} {numbers[-1]}"
