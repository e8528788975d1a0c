"""A whole Apuri started on this machine for tests and benchmarks.

`LocalStack` runs `apuri run` on free loopback ports with a private Redis and a temporary
var/ directory, using an already trained model, and stops it again. End-to-end tests and
benchmarks use it, so both measure the same processes a resident would meet.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from assistant.settings import ROOT
from knowledge_base.paths import default_index_dir

STOP_TIMEOUT_SECONDS = 90


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_status(url: str, status: int, limit_s: float) -> float:
    """Seconds until `url` answers with `status`; TimeoutError after `limit_s`."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                got = response.status
        except urllib.error.HTTPError as error:
            got = error.code
        except (urllib.error.URLError, OSError):
            got = None
        if got == status:
            return time.monotonic() - started
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer {status} within {limit_s:.0f} s")


class LocalStack:
    """`apuri run` in a temporary var/ directory on free ports."""

    def __init__(
        self,
        model_dir: Path | None = None,
        var_dir: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.extra_env = dict(extra_env or {})
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if var_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="apuri-stack-")
            var_dir = Path(self._tmp.name)
        self.var_dir = var_dir
        self.model_dir = model_dir or Path(
            os.environ.get("APURI_MODEL_DIR", ROOT / "var" / "models")
        )
        self.ports = {name: free_port() for name in ("gateway", "rasa", "actions", "redis")}
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['rasa']}"

    def start(self) -> None:
        if not (self.model_dir / "apuri.tar.gz").exists():
            raise FileNotFoundError(f"no trained model in {self.model_dir}: run 'make train'")
        env = {
            **os.environ,
            "APURI_VAR_DIR": str(self.var_dir),
            "APURI_MODEL_DIR": str(self.model_dir),
            "APURI_PORT": str(self.ports["gateway"]),
            "APURI_RASA_PORT": str(self.ports["rasa"]),
            "APURI_ACTIONS_PORT": str(self.ports["actions"]),
            "APURI_REDIS_PORT": str(self.ports["redis"]),
            # The service index is shared with the checkout's (built once, reused while current).
            "APURI_KB_DIR": os.environ.get("APURI_KB_DIR") or str(default_index_dir()),
        }
        for name in ("REDIS_URL", "DATABASE_URL", "APURI_INTERNAL_TOKEN"):
            env.pop(name, None)
        env.update(self.extra_env)
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def pid(self, name: str) -> int:
        """The process id of one of the stack's processes (redis, actions, rasa, gateway)."""
        return int((self.var_dir / "run" / f"{name}.pid").read_text())

    def pids(self) -> dict[str, int]:
        return {p.stem: int(p.read_text()) for p in (self.var_dir / "run").glob("*.pid")}

    def logs(self) -> str:
        parts = []
        for log in sorted((self.var_dir / "log").glob("*.log")):
            parts.append(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)

    def stop(self) -> int:
        """Stop with SIGTERM as an operator would; the exit code of `apuri run`."""
        code = 0
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                code = self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                raise
        elif self.process is not None:
            code = self.process.returncode
        return code

    def cleanup(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.stop()
        finally:
            self.cleanup()


def start_redis(var_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A private Redis on a free port that keeps nothing on disk; its process and URL."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(var_dir)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return process, f"redis://127.0.0.1:{port}/0"


def start_gateway(
    var_dir: Path, env: dict[str, str], ready_path: str, limit_s: float = 120
) -> tuple[subprocess.Popen[bytes], str]:
    """`apuri gateway` alone on a free port (benchmarks); returns once `ready_path` answers 200.

    Its log goes to `var_dir/gateway.log`."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "gateway"],
        cwd=ROOT,
        env={**os.environ, "APURI_VAR_DIR": str(var_dir), "APURI_PORT": str(port), **env},
        stdout=subprocess.DEVNULL,
        stderr=(var_dir / "gateway.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_status(f"{base}{ready_path}", 200, limit_s)
    except TimeoutError:
        process.kill()
        raise
    return process, base
