"""The supervisor restarts what dies and stops everything, with real child processes."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path

import pytest

from assistant.preflight import prepare
from assistant.processes import process_specs
from assistant.rasa_endpoints import write_rasa_endpoints
from assistant.settings import Settings
from assistant.supervisor import ProcessSpec, StartupError, Supervisor


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    status = Path(f"/proc/{pid}/stat").read_text().split()[2]
    return status != "Z"


async def always_ready() -> bool:
    return True


def spec(name: str, code: str) -> ProcessSpec:
    return ProcessSpec(
        name=name,
        argv=[sys.executable, "-c", code],
        env=dict(os.environ),
        ready=always_ready,
        waiting_for=name,
    )


async def wait_for(condition, seconds: float = 10.0) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_a_dying_process_is_restarted_and_all_stop_cleanly(settings: Settings) -> None:
    # "steady" also starts a grandchild, which must not outlive the stop.
    steady = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
        "open('grandchild.pid', 'w').write(str(p.pid)); time.sleep(600)"
    )
    flaky = "import time; time.sleep(0.3); raise SystemExit(3)"
    specs = [spec("steady", steady), spec("flaky", flaky)]
    for s in specs:
        s.cwd = settings.var_dir
    supervisor = Supervisor(settings, specs)
    run = asyncio.create_task(supervisor.run())
    children = supervisor._children
    await wait_for(lambda: children[1].restarts >= 1)
    await wait_for((settings.var_dir / "grandchild.pid").exists)
    grandchild = int((settings.var_dir / "grandchild.pid").read_text())
    assert children[0].process is not None
    steady_pid = children[0].process.pid
    assert alive(steady_pid) and alive(grandchild)
    log = (settings.var_dir / "log" / "flaky.log").exists()
    assert log, "each process has its own log file"

    supervisor.stop()
    assert await asyncio.wait_for(run, 30) == 0
    await wait_for(lambda: not alive(steady_pid) and not alive(grandchild))
    assert not list((settings.var_dir / "run").glob("*.pid"))


def test_rasa_endpoints_use_the_configured_redis(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "endpoints.yml"
    write_rasa_endpoints(
        settings.with_(redis_url="rediss://:pw@redis.internal:6380/3", actions_port=5999), path
    )
    endpoints = json.loads(path.read_text())
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:5999/webhook"
    for store in ("tracker_store", "lock_store"):
        assert endpoints[store]["type"] == "redis"
        assert endpoints[store]["url"] == "redis.internal"
        assert endpoints[store]["port"] == 6380
        assert endpoints[store]["db"] == 3
        assert endpoints[store]["password"] == "pw"
        assert endpoints[store]["use_ssl"] is True
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_private_redis_is_started_only_without_redis_url(settings: Settings) -> None:
    private = process_specs(settings.with_(redis_url=None))
    shared = process_specs(settings.with_(redis_url="redis://127.0.0.1:6379/0"))
    assert [s.name for s in private] == ["redis", "actions", "rasa", "gateway"]
    assert [s.name for s in shared] == ["actions", "rasa", "gateway"]
    redis_argv = private[0].argv
    assert redis_argv[redis_argv.index("--appendonly") + 1] == "yes"
    assert redis_argv[redis_argv.index("--bind") + 1] == "127.0.0.1"


def test_busy_port_is_refused_naming_the_variable(settings: Settings) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(StartupError, match=f"{port} \\(APURI_RASA_PORT\\)"):
            prepare(settings.with_(rasa_port=port))
