"""What Apuri says to residents, in the three languages it speaks."""

from __future__ import annotations

from typing import Literal

# Finnish, Swedish and English: every text a resident sees or hears exists in all three.
Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = ("fi", "sv", "en")
