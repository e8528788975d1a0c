"""One-time codes and resident sessions on a real Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from privacy.identity import (
    CODE_TTL_S,
    MAX_TRIES,
    NUMBER_LIMITS,
    CodeRefused,
    Identities,
    Refusal,
    code_sms,
)

SECRET = b"identity-test-secret-0123456789abcdef"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def identities(redis: Redis) -> AsyncIterator[tuple[Identities, Clock]]:
    await redis.flushdb()
    clock = Clock()
    yield Identities(redis, SECRET, clock=clock), clock
    await redis.flushdb()


def phone() -> str:
    return f"+35840{uuid.uuid4().int % 10**7:07d}"


async def test_a_code_proves_the_number_for_its_conversation_only(
    identities: tuple[Identities, Clock],
) -> None:
    ids, _ = identities
    number = phone()
    code = await ids.issue_code("web-a", number)
    assert len(code) == 6 and code.isdigit()
    with pytest.raises(CodeRefused) as other:
        await ids.check_code("web-b", number, code)
    assert other.value.reason is Refusal.NO_CODE, (
        "a code is bound to the conversation it was sent for"
    )
    await ids.check_code("web-a", number, code)
    session = await ids.prove("web-a", number, "sms-code")
    assert await ids.proves("web-a", number)
    assert not await ids.proves("web-b", number)
    assert session.phone == number
    with pytest.raises(CodeRefused):
        await ids.check_code("web-a", number, code)  # used once


async def test_a_code_for_one_number_does_not_prove_another(
    identities: tuple[Identities, Clock],
) -> None:
    ids, _ = identities
    sent_to, claimed = phone(), phone()
    code = await ids.issue_code("web-a", sent_to)
    with pytest.raises(CodeRefused) as refused:
        await ids.check_code("web-a", claimed, code)
    assert refused.value.reason is Refusal.NO_CODE


async def test_five_wrong_tries_lock_the_code(identities: tuple[Identities, Clock]) -> None:
    ids, _ = identities
    number = phone()
    code = await ids.issue_code("web-a", number)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    lefts = []
    for _ in range(MAX_TRIES - 1):
        with pytest.raises(CodeRefused) as refused:
            await ids.check_code("web-a", number, wrong)
        assert refused.value.reason is Refusal.WRONG
        lefts.append(refused.value.tries_left)
    assert lefts == [4, 3, 2, 1]
    with pytest.raises(CodeRefused) as last:
        await ids.check_code("web-a", number, wrong)
    assert last.value.reason is Refusal.LOCKED
    with pytest.raises(CodeRefused) as after:
        await ids.check_code("web-a", number, code)
    assert after.value.reason is Refusal.NO_CODE, "the right code is no good after the lock"


async def test_a_code_expires_after_ten_minutes(identities: tuple[Identities, Clock]) -> None:
    ids, clock = identities
    number = phone()
    code = await ids.issue_code("web-a", number)
    assert await ids.pending("web-a", number)
    clock.now += CODE_TTL_S + 1
    assert not await ids.pending("web-a", number)
    with pytest.raises(CodeRefused) as refused:
        await ids.check_code("web-a", number, code)
    assert refused.value.reason is Refusal.EXPIRED


async def test_codes_are_limited_per_number_and_per_address(
    identities: tuple[Identities, Clock],
) -> None:
    ids, clock = identities
    number = phone()
    per_window = NUMBER_LIMITS[0][0]
    for n in range(per_window):
        await ids.issue_code(f"web-{n}", number)
    with pytest.raises(CodeRefused) as refused:
        await ids.issue_code("web-other", number)
    assert refused.value.reason is Refusal.RATE_LIMITED
    clock.now += NUMBER_LIMITS[0][1]
    await ids.issue_code("web-later", number)

    for _ in range(10):
        await ids.issue_code("web-x", phone(), client="addr-1")
    with pytest.raises(CodeRefused):
        await ids.issue_code("web-x", phone(), client="addr-1")
    await ids.issue_code("web-x", phone(), client="addr-2")


async def test_nothing_in_redis_holds_the_code_or_the_number_in_the_clear(
    identities: tuple[Identities, Clock], redis: Redis
) -> None:
    ids, _ = identities
    number = phone()
    code = await ids.issue_code("web-a", number, client="addr")
    dump = b""
    async for key in redis.scan_iter("apuri:identity:code:*"):
        dump += key + repr(await redis.hgetall(key)).encode()
    async for key in redis.scan_iter("apuri:identity:rate:*"):
        dump += key
    assert code.encode() not in dump
    assert number.encode() not in dump and number[1:].encode() not in dump


async def test_a_session_token_is_signed_and_expires_unused(
    identities: tuple[Identities, Clock], redis: Redis
) -> None:
    ids, _ = identities
    number = phone()
    token = await ids.open_session(number, "sms-code")
    found = await ids.session(token)
    assert found is not None and found.phone == number
    raw_id = token.partition(".")[0]
    assert await ids.session(raw_id + ".forged0000000000000000000000000") is None
    assert await ids.session(raw_id) is None
    assert await ids.session("") is None
    ttl = await redis.ttl(f"apuri:identity:session:{raw_id}")
    assert 0 < ttl <= 30 * 60
    await ids.end_session(token)
    assert await ids.session(token) is None


async def test_the_channel_number_stands_for_the_resident(
    identities: tuple[Identities, Clock],
) -> None:
    ids, _ = identities
    own, other = phone(), phone()
    await ids.prove("sms-x", own, "channel")
    session = await ids.prove("sms-x", other, "sms-code")
    assert session.proves(own) and session.proves(other)
    assert session.phone == own, "a number the channel proved outranks one proved by code"
    await ids.forget("sms-x")
    assert await ids.of_conversation("sms-x") is None


def test_the_code_message_is_there_in_each_language() -> None:
    for lang in ("fi", "sv", "en"):
        assert "123456" in code_sms("123456", lang)
    assert code_sms("123456", "xx") == code_sms("123456", "fi")
