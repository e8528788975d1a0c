"""A message as one all-or-nothing turn inside real Rasa 3.6 (`assistant/rasa_plugins/turns.py`).

Rasa cannot be imported here (Python 3.11, warnings as errors), so a script runs under
Rasa's interpreter: real `RemoteAction`s call a small action server (one action answers,
one rejects as a form validation does, one crashes) or a closed port, inside `run_turn`
with a stand-in processor that does what Rasa's does with a failed action (carries on and
saves the tracker), on Rasa's real Redis and in-memory tracker stores. It prints what
happened as JSON. The whole dialogue is tested through the running stack in tests/e2e.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import TEST_REDIS_URL
from tests.rasa_plugins.in_rasa import run_in_rasa

SCRIPT = r"""
import asyncio, io, json, logging, socket, sys, types, uuid
from urllib.parse import urlparse

from aiohttp import web
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import (
    AwaitableTrackerStore, FailSafeTrackerStore, InMemoryTrackerStore, RedisTrackerStore,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from assistant.rasa_plugins import turns

DOMAIN = Domain.from_yaml('''
version: "3.1"
intents: [affirm]
slots:
  said:
    type: text
    mappings: [{type: custom}]
''')
calls = {"ok": 0, "reject": 0, "crash": 0}


async def ok(request):
    calls["ok"] += 1
    return web.json_response({"events": [], "responses": []})


async def reject(request):
    calls["reject"] += 1
    return web.json_response({"action_name": "validate_form", "error": "no"}, status=400)


async def crash(request):
    calls["crash"] += 1
    return web.Response(status=500, text="Internal Server Error")


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processor:
    # What MessageProcessor does with a failed action: log it, carry on, save the tracker.
    def __init__(self, store, actions):
        self.store, self.actions = store, actions

    async def handle_message(self, message):
        tracker = await self.store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, {"name": "affirm"}))
        for action in self.actions:
            try:
                events = await action.run(message.output_channel, None, tracker, DOMAIN)
            except ActionExecutionRejection:
                events = []
            except Exception:
                logging.getLogger("rasa.core.processor").exception("action failed")
                events = []
            tracker.update(ActionExecuted(action.name()))
            for event in events:
                tracker.update(event)
        tracker.update(SlotSet("said", message.text))
        await self.store.save(tracker)


async def turn(store, actions, sender, text):
    agent = types.SimpleNamespace(
        lock_store=InMemoryLockStore(), tracker_store=store, processor=Processor(store, actions)
    )
    done = await turns.run_turn(agent, UserMessage(text, CollectingOutputChannel(), sender))
    return {"processed": done.processed, "failed": list(done.failed_actions),
            "restored": done.restored}


async def main(redis_url):
    turns.guard_remote_actions()
    turns.guard_remote_actions()  # a second channel in the same process wraps nothing again
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logging.getLogger("rasa.core.processor").addHandler(handler)
    logging.getLogger("rasa.core.processor").propagate = False

    app = web.Application()
    app.router.add_post("/ok/webhook", ok)
    app.router.add_post("/reject/webhook", reject)
    app.router.add_post("/crash/webhook", crash)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]

    def action(name, where):
        return RemoteAction(name, EndpointConfig(url=f"http://127.0.0.1:{where}/webhook"))

    def served(name):
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{port}/{name}/webhook")
        return RemoteAction(f"action_{name}", endpoint)

    down = action("action_book", closed_port())
    out = {}
    try:
        tracker = DialogueStateTracker("x", DOMAIN.slots)
        await down.run(CollectingOutputChannel(), None, tracker, DOMAIN)
    except Exception as error:
        out["outside_a_turn"] = type(error).__name__

    url = urlparse(redis_url)
    prefix = "test" + uuid.uuid4().hex[:8]
    redis_store = RedisTrackerStore(
        DOMAIN, host=url.hostname, port=url.port, db=int(url.path.lstrip("/") or 0),
        key_prefix=prefix, record_exp=3600,
    )
    store = FailSafeTrackerStore(AwaitableTrackerStore(redis_store))
    red, key = redis_store.red, redis_store.key_prefix + "resident"

    out["first"] = await turn(store, [served("ok")], "resident", "hello")
    before, ttl_before = red.get(key), red.pttl(key)
    out["down"] = await turn(store, [down, served("ok")], "resident", "yes")
    out["down_kept_value"] = red.get(key) == before
    out["down_ttl_kept"] = 0 < red.pttl(key) <= ttl_before
    out["ok_calls_after_down"] = calls["ok"]
    out["crash"] = await turn(store, [served("crash")], "resident", "yes")
    out["crash_kept_value"] = red.get(key) == before
    out["rejected"] = await turn(store, [served("reject")], "resident", "no")
    out["rejected_saved"] = (await store.retrieve("resident")).get_slot("said")
    out["new_sender"] = await turn(store, [down], "newcomer", "hei")
    out["new_sender_key_left"] = bool(red.exists(redis_store.key_prefix + "newcomer"))
    for stale in red.keys(prefix + "*"):
        red.delete(stale)

    memory = InMemoryTrackerStore(DOMAIN)
    await turn(memory, [], "resident", "hello")
    kept = dict(memory.store)
    out["memory"] = await turn(memory, [down], "resident", "yes")
    out["memory_kept"] = memory.store == kept
    out["processor_log"] = log.getvalue()
    await runner.cleanup()
    print(json.dumps(out))


asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_in_rasa(SCRIPT, TEST_REDIS_URL, workdir=tmp_path_factory.mktemp("turns"))


def test_outside_a_turn_a_failed_action_raises_as_rasa_makes_it(result: dict[str, Any]) -> None:
    assert result["outside_a_turn"] == "RasaException"


def test_a_turn_whose_actions_ran_is_processed_and_saved(result: dict[str, Any]) -> None:
    assert result["first"] == {"processed": True, "failed": [], "restored": False}


def test_an_unreachable_action_server_rolls_the_tracker_back(result: dict[str, Any]) -> None:
    assert result["down"] == {"processed": False, "failed": ["action_book"], "restored": True}
    assert result["down_kept_value"], "the stored tracker is the one from before the message"
    assert result["down_ttl_kept"], "and it expires when it would have"


def test_after_a_failure_no_other_action_of_the_turn_is_run(result: dict[str, Any]) -> None:
    assert result["ok_calls_after_down"] == 1, "only the first turn's call reached the server"
    log = result["processor_log"]
    assert "apuri.action.skipped action=action_ok" in log, log
    assert "Traceback" not in log, "a recorded failure is one line, not a traceback"


def test_an_action_that_crashes_rolls_the_tracker_back(result: dict[str, Any]) -> None:
    assert result["crash"] == {"processed": False, "failed": ["action_crash"], "restored": True}
    assert result["crash_kept_value"]


def test_a_form_validation_rejection_is_not_a_failure(result: dict[str, Any]) -> None:
    assert result["rejected"] == {"processed": True, "failed": [], "restored": False}
    assert result["rejected_saved"] == "no"


def test_a_first_message_that_fails_leaves_no_tracker(result: dict[str, Any]) -> None:
    assert result["new_sender"]["restored"] is True
    assert result["new_sender_key_left"] is False


def test_the_in_memory_tracker_store_is_rolled_back_too(result: dict[str, Any]) -> None:
    assert result["memory"] == {"processed": False, "failed": ["action_book"], "restored": True}
    assert result["memory_kept"]
