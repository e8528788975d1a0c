"""A nurse signing in: the lockout asked first, the password checked, the failure or the
success counted, a console session opened and the browser's device tokens renewed.

Knows nothing of HTTP: the console passes the form's fields, the client's address and
the device tokens its cookie holds, and sets the cookies from what comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telecare.accounts import ConsoleSession, NurseAccounts, NurseInfo, SessionStore
from telecare.lockout import MAX_DEVICE_TOKENS, SignInLockout


@dataclass(frozen=True)
class SignedIn:
    nurse: NurseInfo
    session: ConsoleSession
    # What the browser remembers from now on: this account's fresh token first.
    devices: list[str]


@dataclass(frozen=True)
class Refused:
    # The lockout scope that made this attempt wait; None: a wrong name or password.
    locked: str | None
    # Whether the browser had signed in as this account before (its device token).
    known_browser: bool


def remembered_devices(tokens: Sequence[str]) -> list[str]:
    """The device tokens worth looking at among those a browser sent."""
    return [token for token in tokens if token][:MAX_DEVICE_TOKENS]


async def sign_in(
    accounts: NurseAccounts,
    sessions: SessionStore,
    lockout: SignInLockout,
    *,
    username: str,
    password: str,
    address: str,
    devices: Sequence[str],
) -> SignedIn | Refused:
    """A new console session for the right password, unless the lockout says wait."""
    remembered = remembered_devices(devices)
    device = lockout.device_of(username, remembered)
    waits = await lockout.refused(username, address, device)
    if waits is not None:
        return Refused(locked=waits, known_browser=device is not None)
    nurse = await accounts.authenticate(username, password)
    if nurse is None:
        await lockout.failed(username, address, device)
        return Refused(locked=None, known_browser=device is not None)
    await lockout.succeeded(username, address, device)
    session = await sessions.create(nurse.id)
    return SignedIn(nurse, session, lockout.remember_device(username, remembered))
