"""`apuri run`: starts every process of Apuri, keeps them running, stops them all cleanly.

Processes: a private Redis (unless REDIS_URL is given), the rasa-sdk action server, the
Rasa server and the gateway. One that dies is restarted with backoff and logged. SIGINT or
SIGTERM stops them in reverse order; each child also gets SIGTERM if the supervisor itself
dies (PR_SET_PDEATHSIG), so nothing is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import aiohttp
from redis.asyncio import Redis

from assistant.logs import event
from assistant.settings import Settings
from assistant.training import model_path, rasa_environment

logger = logging.getLogger("apuri.supervisor")

STOP_TIMEOUT_SECONDS = 15.0
MAX_BACKOFF_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0
PR_SET_PDEATHSIG = 1

ReadyCheck = Callable[[], Awaitable[bool]]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str]
    ready: ReadyCheck
    waiting_for: str
    cwd: Path | None = None


@dataclass
class Child:
    spec: ProcessSpec
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    started_at: float = 0.0
    ready: bool = False
    log_tasks: list[asyncio.Task[None]] = field(default_factory=list)


class StartupError(RuntimeError):
    """Apuri cannot start: the message says what to change."""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def write_rasa_endpoints(settings: Settings, path: Path) -> None:
    """Rasa's endpoints file: action server, Redis tracker store and Redis lock store."""
    url = urlparse(settings.effective_redis_url)
    store: dict[str, object] = {
        "type": "redis",
        "url": url.hostname or "127.0.0.1",
        "port": url.port or 6379,
        "db": int((url.path or "/0").lstrip("/") or 0),
        "key_prefix": "apuri",
    }
    if url.password:
        store["password"] = url.password
    if url.scheme == "rediss":
        store["use_ssl"] = True
    endpoints = {
        "action_endpoint": {"url": f"{settings.actions_url}/webhook"},
        "tracker_store": {**store, "record_exp": 30 * 24 * 3600},
        "lock_store": store,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # JSON is valid YAML; the file holds the Redis password, so only we may read it.
    path.write_text(json.dumps(endpoints, indent=2))
    path.chmod(0o600)


async def _http_ok(url: str) -> bool:
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response,
        ):
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def _redis_ok(url: str) -> bool:
    client = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(await client.ping())
    except Exception:  # any failure means "not ready yet"
        return False
    finally:
        await client.aclose()


def process_specs(settings: Settings, verbose: bool = False) -> list[ProcessSpec]:
    """The processes `apuri run` starts, in start order."""
    root = settings.root
    run_dir = settings.var_dir / "run"
    base_env = dict(os.environ)
    base_env.update(
        {
            "APURI_INTERNAL_TOKEN": settings.internal_token,
            "APURI_SECRET_KEY": settings.secret_key,
            "APURI_VAR_DIR": str(settings.var_dir),
            "APURI_KB_DIR": str(settings.kb_dir),
            "APURI_KB_EMBEDDER": settings.kb_embedder,
            "REDIS_URL": settings.effective_redis_url,
            "PYTHONPATH": str(root),
        }
    )
    specs: list[ProcessSpec] = []
    if settings.redis_url is None:
        redis_dir = settings.var_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        specs.append(
            ProcessSpec(
                name="redis",
                argv=[
                    "redis-server",
                    "--port",
                    str(settings.redis_port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    str(redis_dir),
                    "--appendonly",
                    "yes",
                    "--save",
                    "",
                    "--daemonize",
                    "no",
                    "--protected-mode",
                    "yes",
                    "--loglevel",
                    "warning",
                ],
                env=base_env,
                ready=lambda: _redis_ok(settings.effective_redis_url),
                waiting_for="Redis",
            )
        )
    endpoints = run_dir / "endpoints.yml"
    write_rasa_endpoints(settings, endpoints)
    actions_env = {**base_env, "SANIC_HOST": "127.0.0.1", "ACTION_SERVER_SANIC_WORKERS": "1"}
    specs.append(
        ProcessSpec(
            name="actions",
            argv=[
                sys.executable,
                "-m",
                "rasa_sdk",
                "--actions",
                "actions",
                "--port",
                str(settings.actions_port),
            ],
            env=actions_env,
            ready=lambda: _http_ok(settings.actions_url + "/health"),
            waiting_for="the action server",
            cwd=root,
        )
    )
    rasa_env = {**rasa_environment(settings), **{k: base_env[k] for k in ("APURI_INTERNAL_TOKEN",)}}
    specs.append(
        ProcessSpec(
            name="rasa",
            argv=[
                str(settings.rasa_python.parent / "rasa"),
                "run",
                "--model",
                str(model_path(settings)),
                "--credentials",
                str(root / "credentials.yml"),
                "--endpoints",
                str(endpoints),
                "--interface",
                "127.0.0.1",
                "--port",
                str(settings.rasa_port),
                *(["--verbose"] if verbose else []),
            ],
            env=rasa_env,
            ready=lambda: _http_ok(settings.rasa_url + "/webhooks/apuri/"),
            waiting_for="Rasa (loading the model)",
            cwd=root,
        )
    )
    specs.append(
        ProcessSpec(
            name="gateway",
            argv=[sys.executable, "-m", "assistant.cli", "gateway"],
            env=base_env,
            ready=lambda: _http_ok(f"http://127.0.0.1:{settings.port}/health"),
            waiting_for="the gateway",
            cwd=root,
        )
    )
    return specs


class Supervisor:
    """Starts, watches and stops Apuri's processes."""

    def __init__(self, settings: Settings, specs: list[ProcessSpec], echo: bool = False) -> None:
        self._settings = settings
        self._children = [Child(spec) for spec in specs]
        self._echo = echo
        self._stopping = asyncio.Event()
        self._log_dir = settings.var_dir / "log"
        self._run_dir = settings.var_dir / "run"

    async def _start(self, child: Child) -> None:
        spec = child.spec
        process = await asyncio.create_subprocess_exec(
            *spec.argv,
            cwd=spec.cwd,
            env=spec.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        child.process = process
        child.started_at = time.monotonic()
        child.ready = False
        (self._run_dir / f"{spec.name}.pid").write_text(f"{process.pid}\n")
        child.log_tasks = [asyncio.create_task(self._pump(child, process))]
        event(logger, "process.started", name=spec.name, pid=process.pid)

    async def _pump(self, child: Child, process: asyncio.subprocess.Process) -> None:
        """Copy a child's output to var/log/<name>.log (and the terminal with --verbose)."""
        assert process.stdout is not None
        with (self._log_dir / f"{child.spec.name}.log").open("ab") as log:
            async for line in process.stdout:
                log.write(line)
                log.flush()
                if self._echo:
                    sys.stdout.write(f"[{child.spec.name}] {line.decode(errors='replace')}")
                    sys.stdout.flush()

    async def _keep_running(self, child: Child) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            await self._start(child)
            assert child.process is not None
            watcher = asyncio.create_task(self._watch_ready(child))
            code = await child.process.wait()
            watcher.cancel()
            child.ready = False
            await asyncio.gather(*child.log_tasks, watcher, return_exceptions=True)
            if self._stopping.is_set():
                return
            uptime = time.monotonic() - child.started_at
            if uptime > STABLE_AFTER_SECONDS:
                backoff = 1.0
            child.restarts += 1
            event(
                logger,
                "process.exited",
                logging.WARNING,
                name=child.spec.name,
                code=code,
                uptime_s=round(uptime, 1),
                restart_in_s=backoff,
                restarts=child.restarts,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def _watch_ready(self, child: Child) -> None:
        """Poll a (re)started child until it answers, then log that it is ready."""
        while not await child.spec.ready():  # noqa: ASYNC110 - readiness is polled over HTTP
            await asyncio.sleep(0.5)
        child.ready = True
        event(
            logger,
            "process.ready",
            name=child.spec.name,
            seconds=round(time.monotonic() - child.started_at, 1),
            restarts=child.restarts,
        )

    async def _wait_all_ready(self, children: list[Child], limit_s: float) -> bool:
        """Wait until every child is ready, saying every few seconds what is awaited."""
        started = time.monotonic()
        announced = 0.0
        while not self._stopping.is_set():
            waiting = [c for c in children if not c.ready]
            if not waiting:
                return True
            waited = time.monotonic() - started
            if waited > limit_s:
                return False
            if waited - announced >= 5:
                announced = waited
                # The gateway waits for the others: name it only when it is the last one.
                named = [c for c in waiting if c.spec.name != "gateway"] or waiting
                what = ", ".join(c.spec.waiting_for for c in named)
                print(f"[apuri] waiting for {what}… {waited:.0f} s", flush=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), 0.25)
        return False

    def _signal(self, child: Child, sig: signal.Signals) -> None:
        if child.process and child.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, sig)

    async def _stop_child(self, child: Child) -> None:
        process = child.process
        if process is None or process.returncode is not None:
            return
        self._signal(child, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            event(logger, "process.killed", logging.WARNING, name=child.spec.name)
            self._signal(child, signal.SIGKILL)
            await process.wait()
        event(logger, "process.stopped", name=child.spec.name, code=process.returncode)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> int:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        self._run_dir.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop)
        keepers: list[asyncio.Task[None]] = []
        started = time.monotonic()
        try:
            first, rest = self._children[0], self._children[1:]
            keepers.append(asyncio.create_task(self._keep_running(first)))
            if first.spec.name == "redis" and not await self._wait_all_ready([first], 30):
                raise StartupError("the private Redis did not start: see var/log/redis.log")
            keepers.extend(asyncio.create_task(self._keep_running(c)) for c in rest)
            if await self._wait_all_ready(self._children, 900) and not self._stopping.is_set():
                seconds = time.monotonic() - started
                print(
                    f"[apuri] ready in {seconds:.0f} s: open http://{self._settings.host}:"
                    f"{self._settings.port}/ (health: /health). Ctrl-C stops everything.",
                    flush=True,
                )
            await self._stopping.wait()
        finally:
            self._stopping.set()
            print("[apuri] stopping…", flush=True)
            for child in reversed(self._children):
                await self._stop_child(child)
            await asyncio.gather(*keepers, return_exceptions=True)
            for child in self._children:
                (self._run_dir / f"{child.spec.name}.pid").unlink(missing_ok=True)
        return 0


def prepare(settings: Settings) -> Settings:
    """Check ports and fill in what a run needs (an internal token) before starting."""
    busy = [
        (name, port)
        for name, port, used in (
            ("APURI_PORT", settings.port, True),
            ("APURI_RASA_PORT", settings.rasa_port, True),
            ("APURI_ACTIONS_PORT", settings.actions_port, True),
            ("APURI_REDIS_PORT", settings.redis_port, settings.redis_url is None),
        )
        if used and not port_is_free(port)
    ]
    if busy:
        names = ", ".join(f"{port} ({name})" for name, port in busy)
        raise StartupError(f"ports already in use: {names}; stop what uses them or change them")
    if not model_path(settings).exists():
        raise StartupError("no trained model: run 'apuri train' (make run does it)")
    if not settings.internal_token:
        settings = settings.with_(internal_token=secrets.token_urlsafe(32))
    if not settings.secret_key:
        settings = settings.with_(secret_key=local_secret_key(settings.var_dir))
    if not settings.admin_password:
        settings = settings.with_(admin_password=local_admin_password(settings.var_dir))
        where = settings.var_dir / ADMIN_FILE
        print(f"apuri: /admin/outbox signs in as admin with the password in {where}", flush=True)
    return settings


def local_secret_key(var_dir: Path) -> str:
    """The key kept in var/secret.key (0600), made on first use, for keyed hashes.

    Phone numbers are hashed with it, so it must stay the same across restarts; a
    deployment sets APURI_SECRET_KEY from its secret store instead.
    """
    path = var_dir / "secret.key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


ADMIN_FILE = "admin.password"


def local_admin_password(var_dir: Path) -> str:
    """The /admin password kept in var/admin.password (0600), made on first use.

    Only its place is ever printed, never the password. A deployment sets
    APURI_ADMIN_PASSWORD from its secret store instead.
    """
    path = var_dir / ADMIN_FILE
    if path.exists():
        path.chmod(0o600)
        password = path.read_text(encoding="utf-8").strip()
        if password:
            return password
        path.unlink()
    var_dir.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(24)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    return password
