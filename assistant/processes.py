"""The processes of Apuri that `apuri run` starts: Redis, the action server, Rasa, the gateway.

Each is a `ProcessSpec` for the supervisor: its command line, environment, working directory
and how to tell that it answers.
"""

from __future__ import annotations

import os
import sys

import aiohttp
from redis.asyncio import Redis

from assistant.rasa_endpoints import write_rasa_endpoints
from assistant.settings import Settings
from assistant.supervisor import ProcessSpec
from assistant.training import model_path, rasa_environment


def action_server_argv(settings: Settings) -> list[str]:
    """The action server's command line."""
    return [
        sys.executable,
        "-m",
        "actions.server",
        "--port",
        str(settings.actions_port),
    ]


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
            argv=action_server_argv(settings),
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
