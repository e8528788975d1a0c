"""Keeps a set of processes running: starts them, restarts one that dies, stops them all cleanly.

A process that dies is restarted with backoff (1 s doubling to 30 s, back to 1 s after a
minute of uptime) and logged. SIGINT or SIGTERM stops them in reverse order; each child also
gets SIGTERM if the supervisor itself dies (PR_SET_PDEATHSIG), so nothing is left running.
What `apuri run` starts is in `assistant.processes`; what it checks first, in
`assistant.preflight`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.logs import event
from assistant.settings import Settings

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
