"""Failed sign-ins counted per address and account, per account, per address and per
remembered device, on a real Redis: who waits, who does not, and for how long."""

from __future__ import annotations

from redis.asyncio import Redis

from telecare.lockout import DEVICE_TTL_S, MAX_DEVICE_TOKENS, Limits, SignInLockout

SECRET = b"lockout-test-secret-0123456789abcdef"
HOME, WARD, PROXY = "198.51.100.10", "198.51.100.20", "10.0.0.1"


def lockout(redis: Redis, **limits: int) -> SignInLockout:
    return SignInLockout(redis, SECRET, prefix="apuri:test:failed", limits=Limits(**limits))


async def fail(locks: SignInLockout, times: int, user: str, address: str) -> None:
    for _ in range(times):
        await locks.failed(user, address)


async def test_five_failures_lock_that_address_out_of_that_account_only(
    telecare_redis: Redis,
) -> None:
    locks = lockout(telecare_redis)
    await fail(locks, 4, "anna.nurse", HOME)
    assert await locks.refused("anna.nurse", HOME) is None
    await fail(locks, 1, "Anna.Nurse ", HOME)  # the same account, however it is typed
    assert await locks.refused("anna.nurse", HOME) == "pair"
    assert await locks.refused("anna.nurse", WARD) is None, "her ward is not locked out"
    assert await locks.refused("bertil.nurse", HOME) is None, "nor another nurse"


async def test_an_account_waits_after_twenty_failures_from_anywhere(
    telecare_redis: Redis,
) -> None:
    locks = lockout(telecare_redis)
    for n in range(20):
        await locks.failed("anna.nurse", f"203.0.113.{n}")
    assert await locks.refused("anna.nurse", WARD) == "account"
    assert await locks.refused("bertil.nurse", WARD) is None


async def test_one_address_waits_after_a_hundred_failures_on_any_accounts(
    telecare_redis: Redis,
) -> None:
    locks = lockout(telecare_redis)
    for n in range(25):
        await fail(locks, 4, f"guess{n}", PROXY)
    assert await locks.refused("anna.nurse", PROXY) == "address"
    assert await locks.refused("anna.nurse", WARD) is None


async def test_a_remembered_browser_signs_in_through_limits_others_tripped(
    telecare_redis: Redis,
) -> None:
    locks = lockout(telecare_redis, address=10)
    tokens = locks.remember_device("anna.nurse", [])
    device = locks.device_of("anna.nurse", tokens)
    assert device is not None
    await fail(locks, 10, "someone.else", PROXY)
    await fail(locks, 5, "anna.nurse", PROXY)
    assert await locks.refused("anna.nurse", PROXY) == "pair"
    assert await locks.refused("anna.nurse", PROXY, device) is None
    # Her own browser has five tries of its own; then it is a browser like any other.
    for _ in range(5):
        await locks.failed("anna.nurse", PROXY, device)
    assert await locks.refused("anna.nurse", PROXY, device) == "pair"
    assert await locks.refused("anna.nurse", WARD, device) is None


async def test_a_right_password_clears_its_own_failures_not_others(
    telecare_redis: Redis,
) -> None:
    locks = lockout(telecare_redis, account=6)
    await fail(locks, 4, "anna.nurse", HOME)
    await locks.succeeded("anna.nurse", HOME)
    await fail(locks, 2, "anna.nurse", HOME)
    assert await locks.refused("anna.nurse", HOME) == "account", "the account kept its six"
    assert await locks.refused("anna.nurse", WARD) == "account"


async def test_counts_expire_after_the_window_and_name_no_one(telecare_redis: Redis) -> None:
    locks = lockout(telecare_redis)
    await fail(locks, 5, "anna.nurse", HOME)
    found = await telecare_redis.keys("apuri:test:failed:*")
    keys = [key.decode() if isinstance(key, bytes) else key for key in found]
    assert len(keys) == 3
    assert not any("anna" in key or "198.51" in key for key in keys)
    for key in keys:
        assert 0 < await telecare_redis.ttl(key) <= 15 * 60
    await telecare_redis.delete(*keys)
    assert await locks.refused("anna.nurse", HOME) is None


def test_device_tokens_are_bound_to_their_account_and_expire(telecare_redis: Redis) -> None:
    locks = lockout(telecare_redis)
    now = 1_800_000_000.0
    token = locks.device_token("anna.nurse", now)
    assert locks.device_of("anna.nurse", [token], now) is not None
    assert locks.device_of("ANNA.NURSE", [token], now) is not None
    assert locks.device_of("bertil.nurse", [token], now) is None
    assert locks.device_of("anna.nurse", [token], now + DEVICE_TTL_S + 1) is None
    issued, nonce, mac = token.split(".")
    assert locks.device_of("anna.nurse", [f"{issued}.{nonce}x.{mac}"], now) is None
    assert locks.device_of("anna.nurse", [f"{int(issued) + 1}.{nonce}.{mac}"], now) is None
    assert locks.device_of("anna.nurse", ["", "junk", "1.2", "a.b.c"], now) is None
    other = SignInLockout(telecare_redis, b"another-secret-0123456789abcdefgh", prefix="p")
    assert other.device_of("anna.nurse", [token], now) is None


def test_a_shared_browser_remembers_a_few_accounts_one_token_each(
    telecare_redis: Redis,
) -> None:
    locks = lockout(telecare_redis)
    tokens: list[str] = []
    for name in ("anna.nurse", "bertil.nurse", "anna.nurse"):
        tokens = locks.remember_device(name, tokens)
    assert len(tokens) == 2
    assert locks.device_of("bertil.nurse", tokens) is not None
    for n in range(10):
        tokens = locks.remember_device(f"nurse{n}", tokens)
    assert len(tokens) == MAX_DEVICE_TOKENS
