"""Failed sign-ins, counted so that guessing is slow and nobody can lock others out.

Failures are counted in Redis under keyed hashes (never a name or an address), each count
lasting `window_s` (15 minutes) after its last failure, in three scopes:

    pair     one address trying one account: 5 failures, then that address waits
    account  one account from every address: 20 (at most 80 guesses an hour on an account,
             under the 100 that OWASP ASVS 2.2.1 allows)
    address  one address trying any account: 100 (password spraying; a reverse proxy
             or a ward's shared connection is one address to Apuri unless it is named
             in APURI_TRUSTED_PROXIES)

A locked sign-in is refused before the password is checked, and a refusal is not counted,
so waiting always ends. A nurse who mistypes meets the pair limit, as before; a stranger
who types her name five times at another address does not lock her out.

The account and address limits are the ones other people can run into. A browser in
which this account has signed in before carries a device token (OWASP's device cookies):
it is held to its own limit (`device`, 5) instead of those three, so a nurse keeps
signing in from her own browser while someone is guessing at her account or flooding the
proxy's address; past that limit it is treated like any other browser. Letting any
correct password through a tripped address limit instead would make that limit no limit:
a sprayer would go on guessing, five tries an account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

from redis.asyncio import Redis

DEVICE_TTL_S = 90 * 24 * 3600
MAX_DEVICE_TOKENS = 4  # the accounts one shared browser remembers


@dataclass(frozen=True)
class Limits:
    """How many failures each scope allows within `window_s`; None: not counted."""

    pair: int = 5
    account: int | None = 20
    address: int | None = 100
    device: int = 5
    window_s: int = 15 * 60


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class SignInLockout:
    """Counts failed sign-ins and says when one must wait; knows nothing of HTTP."""

    def __init__(
        self, redis: Redis, secret: bytes, *, prefix: str, limits: Limits | None = None
    ) -> None:
        self.redis = redis
        self.secret = secret
        self.prefix = prefix
        self.limits = limits or Limits()

    def _hash(self, kind: str, value: str) -> str:
        mac = hmac.new(self.secret, f"{self.prefix}|{kind}|{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:24]

    @staticmethod
    def _account(username: str) -> str:
        return username.strip().lower()

    def _keys(self, username: str, address: str) -> dict[str, str]:
        account = self._account(username)
        return {
            "pair": f"{self.prefix}:pair:{self._hash('pair', f'{address}|{account}')}",
            "account": f"{self.prefix}:account:{self._hash('account', account)}",
            "address": f"{self.prefix}:address:{self._hash('address', address)}",
        }

    def _device_key(self, device: str) -> str:
        return f"{self.prefix}:device:{self._hash('device', device)}"

    # --- device tokens ----------------------------------------------------------------

    def _device_mac(self, username: str, issued: int, nonce: str) -> str:
        message = f"device|{self._account(username)}|{issued}|{nonce}".encode()
        return _b64(hmac.new(self.secret, message, hashlib.sha256).digest()[:16])

    def device_token(self, username: str, now: float | None = None) -> str:
        """A new token saying this browser signed in as `username` (`issued.nonce.mac`)."""
        issued = int(time.time() if now is None else now)
        nonce = secrets.token_urlsafe(12)
        return f"{issued}.{nonce}.{self._device_mac(username, issued, nonce)}"

    def device_of(
        self, username: str, tokens: Iterable[str], now: float | None = None
    ) -> str | None:
        """The device (its nonce) among `tokens` that signed in as `username`, unexpired."""
        current = time.time() if now is None else now
        for token in tokens:
            issued, _, rest = token.partition(".")
            nonce, _, mac = rest.partition(".")
            if not (issued.isdigit() and nonce and mac):
                continue
            if not 0 <= current - int(issued) <= DEVICE_TTL_S:
                continue
            if hmac.compare_digest(mac, self._device_mac(username, int(issued), nonce)):
                return nonce
        return None

    def remember_device(
        self, username: str, tokens: list[str], now: float | None = None
    ) -> list[str]:
        """`tokens` with a fresh one for `username` first, instead of its old one."""
        others = [t for t in tokens if self.device_of(username, [t], now) is None]
        return [self.device_token(username, now), *others][:MAX_DEVICE_TOKENS]

    # --- counting -------------------------------------------------------------------------

    async def refused(self, username: str, address: str, device: str | None = None) -> str | None:
        """The scope that makes this attempt wait ("pair", "account" or "address"), or
        None when it may go ahead. `device` is what `device_of` found, if anything: under
        its own limit it goes ahead whatever the other counts are."""
        limits = self.limits
        if device is not None:
            count = await self.redis.get(self._device_key(device))
            if int(count or 0) < limits.device:
                return None
        keys = self._keys(username, address)
        allowed = {"pair": limits.pair, "account": limits.account, "address": limits.address}
        scopes = [scope for scope, limit in allowed.items() if limit is not None]
        counts = await self.redis.mget([keys[scope] for scope in scopes])
        for scope, count in zip(scopes, counts, strict=True):
            limit = allowed[scope]
            if limit is not None and int(count or 0) >= limit:
                return scope
        return None

    async def failed(self, username: str, address: str, device: str | None = None) -> None:
        """One more failure in every scope the attempt belongs to."""
        keys = list(self._keys(username, address).values())
        if device is not None:
            keys.append(self._device_key(device))
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in keys:
                pipe.incr(key)
                pipe.expire(key, self.limits.window_s)
            await pipe.execute()

    async def succeeded(self, username: str, address: str, device: str | None = None) -> None:
        """A right password clears its own address's and device's failures on the account.
        The account's and the address's counts stay: they are others' failures too."""
        keys = [self._keys(username, address)["pair"]]
        if device is not None:
            keys.append(self._device_key(device))
        await self.redis.delete(*keys)
