"""Short signed tokens for video-call rooms and the links residents get.

A token is `room.role.purpose.expiry.signature`: the room id, who may use it (`client`
or `nurse`), what for (`link`: the page a resident opens from a text message or the chat;
`room`: the signaling connection, minutes long), the expiry as Unix seconds, and an HMAC
(SHA-256, truncated to 128 bits, base64url) over the rest with the deployment's secret.
Nothing in a token is personal: the room id is random.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Literal

Role = Literal["client", "nurse"]
Purpose = Literal["link", "room", "precall"]
ROLES: tuple[Role, ...] = ("client", "nurse")
PURPOSES: dict[str, Purpose] = {"l": "link", "r": "room", "p": "precall"}
ROOM_TOKEN_TTL_S = 120
_ROOM_ID = re.compile(r"[a-z2-7]{16}")


class TokenError(ValueError):
    """A token that is malformed, forged, expired, or meant for something else."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RoomToken:
    room: str
    role: Role
    purpose: Purpose
    expires: int


def new_room_id() -> str:
    """A random room id: 16 lowercase base32 characters (80 bits)."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def is_room_id(text: str) -> bool:
    return bool(_ROOM_ID.fullmatch(text))


def _signature(secret: bytes, body: str) -> str:
    digest = hmac.new(secret, b"apuri-telecare:" + body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def sign(
    secret: bytes,
    room: str,
    role: Role,
    *,
    purpose: Purpose,
    ttl_s: int,
    now: float | None = None,
) -> str:
    """A token for `role` in `room`, valid for `ttl_s` seconds from `now`."""
    if role not in ROLES:
        raise ValueError("unknown role")
    code = next(key for key, value in PURPOSES.items() if value == purpose)
    expires = int((time.time() if now is None else now) + ttl_s)
    body = f"{room}.{role[0]}.{code}.{expires}"
    return f"{body}.{_signature(secret, body)}"


def verify(secret: bytes, token: str, *, purpose: Purpose, now: float | None = None) -> RoomToken:
    """The token's contents, or TokenError(reason) with reason malformed/forged/expired/purpose."""
    parts = token.split(".")
    if len(parts) != 5 or len(token) > 120:
        raise TokenError("malformed")
    room, role_code, purpose_code, expires_text, signature = parts
    body = ".".join(parts[:4])
    if not hmac.compare_digest(_signature(secret, body), signature):
        raise TokenError("forged")
    if role_code not in ("c", "n") or purpose_code not in PURPOSES or not expires_text.isdigit():
        raise TokenError("malformed")
    role: Role = "client" if role_code == "c" else "nurse"
    if PURPOSES[purpose_code] != purpose:
        raise TokenError("purpose")
    expires = int(expires_text)
    if expires < (time.time() if now is None else now):
        raise TokenError("expired")
    return RoomToken(room=room, role=role, purpose=purpose, expires=expires)
