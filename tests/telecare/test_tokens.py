"""Room tokens: signed, short-lived, for one room, one role and one purpose."""

from __future__ import annotations

import pytest

from telecare.tokens import TokenError, is_room_id, new_room_id, sign, verify

SECRET = b"a-test-secret-of-at-least-32-characters!"


def test_a_token_names_its_room_role_and_purpose() -> None:
    room = new_room_id()
    token = sign(SECRET, room, "nurse", purpose="room", ttl_s=120, now=1000)
    checked = verify(SECRET, token, purpose="room", now=1100)
    assert (checked.room, checked.role, checked.purpose, checked.expires) == (
        room,
        "nurse",
        "room",
        1120,
    )
    assert is_room_id(room)
    assert len(token) < 60


def test_an_expired_token_is_refused() -> None:
    token = sign(SECRET, new_room_id(), "client", purpose="room", ttl_s=120, now=1000)
    with pytest.raises(TokenError) as refused:
        verify(SECRET, token, purpose="room", now=1121)
    assert refused.value.reason == "expired"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(".c.", ".n."),  # a client token made into a nurse's
        lambda t: t.rsplit(".", 2)[0] + ".9999999999." + t.rsplit(".", 1)[1],  # longer life
        lambda t: new_room_id() + t[16:],  # another room
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # another signature
    ],
)
def test_a_changed_token_is_forged(tamper) -> None:
    token = sign(SECRET, new_room_id(), "client", purpose="room", ttl_s=120)
    with pytest.raises(TokenError) as refused:
        verify(SECRET, tamper(token), purpose="room")
    assert refused.value.reason == "forged"


def test_a_token_signed_with_another_secret_is_forged() -> None:
    token = sign(
        b"another-secret-another-secret-another", new_room_id(), "client", purpose="room", ttl_s=120
    )
    with pytest.raises(TokenError, match="forged"):
        verify(SECRET, token, purpose="room")


def test_a_link_token_does_not_open_the_signaling_socket() -> None:
    token = sign(SECRET, new_room_id(), "client", purpose="link", ttl_s=3600)
    with pytest.raises(TokenError, match="purpose"):
        verify(SECRET, token, purpose="room")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c.d.e", "x" * 500])
def test_garbage_is_malformed_or_forged(garbage: str) -> None:
    with pytest.raises(TokenError) as refused:
        verify(SECRET, garbage, purpose="room")
    assert refused.value.reason in {"malformed", "forged"}
