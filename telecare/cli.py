"""`apuri nurse add`: create a nurse's console account (the password is asked twice, or read
from standard input with --password-stdin)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from telecare.accounts import MIN_PASSWORD, AccountError, NurseAccounts


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"Password (at least {MIN_PASSWORD} characters): ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("password: the two did not match")
    return first


def nurse_main(argv: list[str]) -> int:
    from assistant.settings import Settings, SettingsError
    from store.db import create_engine, migrate

    parser = argparse.ArgumentParser(prog="apuri nurse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create a nurse account")
    add.add_argument("username", help="3-64 lowercase letters, digits, '.', '_' or '-'")
    add.add_argument("--name", required=True, help="the name shown on the console")
    add.add_argument("--team", help="the nurse team (default: APURI_TELECARE_TEAM)")
    add.add_argument(
        "--lang", action="append", choices=["fi", "sv", "en"], help="languages (repeat)"
    )
    add.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"apuri: bad setting {error}", file=sys.stderr)
        return 2
    migrate(settings.effective_database_url)

    async def _add(password: str) -> int:
        engine = create_engine(settings.effective_database_url)
        try:
            nurse = await NurseAccounts(engine).add(
                args.username,
                password,
                display_name=args.name,
                team=args.team or settings.telecare_team,
                languages=tuple(args.lang or ["fi"]),
            )
        finally:
            await engine.dispose()
        return nurse.id

    try:
        nurse_id = asyncio.run(_add(_password(args.password_stdin)))
    except AccountError as error:
        print(f"apuri: {error}", file=sys.stderr)
        return 1
    print(f"apuri: nurse {args.username} added (id {nurse_id}); sign in at /nurse")
    return 0
