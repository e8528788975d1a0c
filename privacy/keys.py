"""Keyed hashes that stand for a resident: the same person, never the number itself."""

from __future__ import annotations

import hashlib
import hmac


def resident_key(phone_e164: str, secret: bytes) -> str:
    """A keyed hash of a phone number: the same resident, never the number itself."""
    return hmac.new(secret, phone_e164.encode(), hashlib.sha256).hexdigest()
