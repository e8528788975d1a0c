"""`apuri`: the command line of Apuri.

apuri run              set up what is missing, start every process, stop on Ctrl-C
apuri gateway          run only the gateway (apuri run starts it)
apuri train [--force]  train the Rasa model if its training data or config changed
apuri kb build         build the service knowledge base if its data or model changed
apuri search "..."     search the city's services
apuri booking seed     migrate the database and load the bookable spaces
apuri bench chat|kb|booking|telecare   the chat latency, knowledge-base, booking and
                       telecare call set-up benchmarks
apuri bench security   the security probe of a stack of its own, as a table
apuri nurse add NAME   create a nurse's account for the telecare console (/nurse)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from assistant import logs
from assistant.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        print(f"apuri: bad setting {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _run(args: argparse.Namespace) -> int:
    from assistant.preflight import prepare
    from assistant.processes import process_specs
    from assistant.supervisor import StartupError, Supervisor
    from assistant.training import TrainingError, train

    settings = _settings()
    logs.configure(settings.log_level)
    try:
        train(settings)
        _ensure_knowledge_base(settings)
        _prepare_database(settings)
        settings = prepare(settings)
    except (StartupError, TrainingError) as error:
        print(f"apuri: {error}", file=sys.stderr)
        return 1
    supervisor = Supervisor(settings, process_specs(settings, args.verbose), echo=args.verbose)
    return asyncio.run(supervisor.run())


def _ensure_knowledge_base(settings: Settings) -> None:
    """Builds the service index when it is missing or its data or model changed."""
    from knowledge_base.build import is_current, load_or_build
    from knowledge_base.embedders import make_embedder
    from knowledge_base.ingest import data_sha256, default_data_path
    from knowledge_base.store import read_manifest

    data = default_data_path()
    # Every core: nothing else runs yet (the processes started next choose their own).
    embedder = make_embedder(settings.kb_embedder, threads=os.cpu_count())
    if is_current(read_manifest(settings.kb_dir), data_sha256(data), embedder.name):
        return
    print("apuri: building the service knowledge base (a minute or two, once)", flush=True)
    manifest = load_or_build(data, settings.kb_dir, embedder, progress=True)
    print(f"apuri: knowledge base built in {manifest.build_seconds:.0f} s", flush=True)


def _prepare_database(settings: Settings) -> None:
    """Migrates the database to the newest schema and loads the bookable spaces."""
    from booking.seed import seed
    from store.db import create_engine, migrate

    migrate(settings.effective_database_url)

    async def _seed() -> tuple[int, int, int]:
        engine = create_engine(settings.effective_database_url)
        try:
            return await seed(engine)
        finally:
            await engine.dispose()

    added, updated, retired = asyncio.run(_seed())
    print(f"apuri: database ready; spaces {added} added, {updated} updated, {retired} retired")


def _booking(args: argparse.Namespace) -> int:
    """`apuri booking seed`: migrate the database and load booking/data/resources.yaml."""
    _prepare_database(_settings())
    return 0


def _gateway(args: argparse.Namespace) -> int:
    from aiohttp import web

    from assistant.gateway import create_app
    from assistant.local_secrets import ADMIN_FILE, local_admin_password, local_secret_key

    settings = _settings()
    if not settings.secret_key:
        settings = settings.with_(secret_key=local_secret_key(settings.var_dir))
    if not settings.admin_password:
        # The file `apuri run` made and named, or a new one, named here (never its contents).
        made = not (settings.var_dir / ADMIN_FILE).exists()
        settings = settings.with_(admin_password=local_admin_password(settings.var_dir))
        if made:
            where = settings.var_dir / ADMIN_FILE
            print(f"apuri: /admin/outbox signs in as admin with the password in {where}")
    logs.configure(settings.log_level)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
        shutdown_timeout=5,
    )
    return 0


def _train(args: argparse.Namespace) -> int:
    from assistant.training import TrainingError, train

    try:
        train(_settings(), force=args.force)
    except TrainingError as error:
        print(f"apuri: {error}", file=sys.stderr)
        return 1
    return 0


def _bench(args: argparse.Namespace) -> int:
    if args.what == "chat":
        from benchmarks.chat_latency import main as chat_benchmark

        return chat_benchmark(args.rest)
    if args.what == "booking":
        from benchmarks.booking import main as booking_benchmark

        return booking_benchmark(args.rest)
    if args.what == "telecare":
        from benchmarks.telecare import main as telecare_benchmark

        return telecare_benchmark(args.rest)
    if args.what == "security":
        from benchmarks.security_probe import main as security_probe

        return security_probe(args.rest)
    from benchmarks.kb_eval import main as kb_benchmark

    return kb_benchmark(args.rest)


def _nurse(args: argparse.Namespace) -> int:
    from telecare.cli import nurse_main

    return nurse_main([args.what, *args.rest])


def _kb(args: argparse.Namespace) -> int:
    from knowledge_base.cli import build_main

    return build_main(args.rest)


def _search(args: argparse.Namespace) -> int:
    from knowledge_base.cli import search_main

    return search_main(args.rest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="apuri", description="Apuri, Helsinki's assistant")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start every process of Apuri")
    run.add_argument("--verbose", action="store_true", help="show every process's output")
    run.set_defaults(func=_run)

    gateway = commands.add_parser("gateway", help="run the gateway only")
    gateway.set_defaults(func=_gateway)

    train = commands.add_parser("train", help="train the Rasa model if it is out of date")
    train.add_argument("--force", action="store_true", help="train even if up to date")
    train.set_defaults(func=_train)

    kb = commands.add_parser("kb", help="the service knowledge base", add_help=False)
    kb.add_argument("what", choices=["build"])
    kb.add_argument("rest", nargs=argparse.REMAINDER, help="apuri kb build --help")
    kb.set_defaults(func=_kb)

    search = commands.add_parser("search", help="search the city's services", add_help=False)
    search.add_argument("rest", nargs=argparse.REMAINDER, help="apuri search --help")
    search.set_defaults(func=_search)

    booking = commands.add_parser("booking", help="facility booking")
    booking.add_argument("what", choices=["seed"], help="seed: migrate and load the spaces")
    booking.set_defaults(func=_booking)

    bench = commands.add_parser("bench", help="run a benchmark")
    bench.add_argument("what", choices=["chat", "kb", "booking", "telecare", "security"])
    bench.add_argument("rest", nargs=argparse.REMAINDER, help="the benchmark's own options")
    bench.set_defaults(func=_bench)

    nurse = commands.add_parser("nurse", help="telecare nurse accounts", add_help=False)
    nurse.add_argument("what", choices=["add"])
    nurse.add_argument("rest", nargs=argparse.REMAINDER, help="apuri nurse add --help")
    nurse.set_defaults(func=_nurse)

    # Sub-commands with options of their own get every argument after their name as is.
    argv = sys.argv[1:] if argv is None else argv
    passed_on = {"search": 1, "kb": 2, "bench": 2, "nurse": 2}
    if argv and argv[0] in passed_on and len(argv) >= passed_on[argv[0]]:
        split = passed_on[argv[0]]
        args = parser.parse_args(argv[:split])
        args.rest = argv[split:]
    else:
        args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
