"""One resident message as one all-or-nothing turn inside Rasa (Python 3.10 Rasa environment).

Rasa keeps going when a custom action cannot run: `MessageProcessor._run_action` logs that
"the actions events are lost" and predicts on, and `action_extract_slots` only warns when a
slot-mapping action (`action_set_language`) fails. The tracker is then saved as if the turn
had happened, so a resident's "yes" to a booking read-back is used up without a booking.

Apuri's channel runs each message through `run_turn`: under the conversation's lock it keeps
the tracker's stored value, lets Rasa process the message, and when any action could not
run it puts the stored value back and reports the turn as not processed. The resident (or
the gateway, retrying) can then send the same message again to the same dialogue state.

A failed action is seen by wrapping `RemoteAction.run` once: every exception but
`ActionExecutionRejection` (a form's normal "that value is not valid") is recorded in the
turn's `TurnFailures`, reached through a context variable, because the processor awaits
its actions in the task that handles the request. Once one action of a turn has failed the
others of that turn are not sent to the action server at all: nothing after the failure
acts on the world in a turn that is going to be rolled back. An action that did its work
before the server died (a booking committed, the answer lost) is made safe to run again
by the action itself (the booking's idempotency key).
"""

from __future__ import annotations

import contextvars
import functools
import logging
from dataclasses import dataclass, field
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

_MARK = "_apuri_turn_guard"


class ActionSkipped(RasaException):
    """An action not sent to the action server because another one of the turn failed.

    A RasaException, so that Rasa handles it wherever it handles a failed remote action."""

    def __init__(self, action: str) -> None:
        super().__init__(f"{action} not run: an earlier action of the turn failed")
        self.action = action


@dataclass
class TurnFailures:
    """The actions of one turn that could not run."""

    actions: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.actions)


_current: contextvars.ContextVar[TurnFailures | None] = contextvars.ContextVar(
    "apuri_turn_failures", default=None
)


def guard_remote_actions() -> None:
    """Wraps `RemoteAction.run` (once per process) so that a turn learns of its failures."""
    original = RemoteAction.run
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    async def run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        failures = _current.get()
        if failures is None:
            return await original(self, *args, **kwargs)
        if failures.failed:
            skipped = ActionSkipped(self.name())
            setattr(skipped, _MARK, True)
            raise skipped
        try:
            return await original(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except Exception as error:
            failures.actions.append(self.name())
            setattr(error, _MARK, True)
            logger.warning(
                "apuri.action.failed action=%s error=%s", self.name(), type(error).__name__
            )
            raise

    setattr(run, _MARK, True)
    RemoteAction.run = run  # type: ignore[method-assign]
    logging.getLogger("rasa.core.processor").addFilter(_TracebackOfRecordedFailure())


class _TracebackOfRecordedFailure(logging.Filter):
    """Rasa logs a failed action with its traceback ("the actions events are lost"). For a
    failure the turn has recorded, and will roll back, its one line is enough; an action
    the turn skipped did not fail and is logged as skipped."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None or not getattr(error, _MARK, False):
            return True
        record.exc_info = record.exc_text = None
        if isinstance(error, ActionSkipped):
            record.msg, record.args = "apuri.action.skipped action=%s", (error.action,)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


# --- the tracker's stored value ---------------------------------------------------------------


@dataclass(frozen=True)
class RedisSnapshot:
    """The raw value of a conversation's key in RedisTrackerStore, and its time to live."""

    red: Any
    key: str
    value: str | bytes | None
    ttl_ms: int

    def restore(self) -> None:
        # RedisTrackerStore.save merges with what is stored: the raw value is written back.
        if self.value is None:
            self.red.delete(self.key)
        elif self.ttl_ms > 0:
            self.red.set(self.key, self.value, px=self.ttl_ms)
        else:
            self.red.set(self.key, self.value)


@dataclass(frozen=True)
class MemorySnapshot:
    """The serialised tracker InMemoryTrackerStore keeps for a conversation."""

    store: dict[str, Any]
    key: str
    value: Any

    def restore(self) -> None:
        if self.value is None:
            self.store.pop(self.key, None)
        else:
            self.store[self.key] = self.value


Snapshot = RedisSnapshot | MemorySnapshot


def innermost(tracker_store: Any) -> Any:
    """The store that holds the data, under Rasa's Awaitable and FailSafe wrappers."""
    store = tracker_store
    while getattr(store, "_tracker_store", None) is not None:
        store = store._tracker_store
    return store


def snapshot(tracker_store: Any, sender: str) -> Snapshot | None:
    """`sender`'s stored tracker, or None for a kind of store whose value cannot be put
    back as it was (only Redis and in-memory stores can)."""
    store = innermost(tracker_store)
    red, prefix = getattr(store, "red", None), getattr(store, "key_prefix", None)
    if red is not None and isinstance(prefix, str):
        key = prefix + sender
        pipe = red.pipeline(transaction=True)
        pipe.get(key)
        pipe.pttl(key)
        value, ttl_ms = pipe.execute()
        return RedisSnapshot(red, key, value, int(ttl_ms or -1))
    memory = getattr(store, "store", None)
    if isinstance(memory, dict):
        return MemorySnapshot(memory, sender, memory.get(sender))
    return None


# --- one turn ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """How a message went: processed, or not, with the actions that could not run and
    whether the tracker is back as it was before the message."""

    failed_actions: tuple[str, ...] = ()
    restored: bool = False

    @property
    def processed(self) -> bool:
        return not self.failed_actions


def _restore(before: Snapshot | None, store: Any) -> bool:
    if before is None:
        logger.error("apuri.turn.not_restored store=%s", type(innermost(store)).__name__)
        return False
    try:
        before.restore()
    except Exception as error:
        logger.error("apuri.turn.not_restored error=%s", type(error).__name__)
        return False
    return True


async def run_turn(agent: Any, message: UserMessage) -> Turn:
    """Processes `message` under its conversation's lock; when an action could not run,
    puts the tracker back as it was before the message."""
    sender = message.sender_id
    failures = TurnFailures()
    token = _current.set(failures)
    try:
        # Agent.handle_message takes this same lock, so the processor is called directly.
        async with agent.lock_store.lock(sender):
            before = snapshot(agent.tracker_store, sender)
            try:
                await agent.processor.handle_message(message)
            except Exception:
                if not failures.failed:
                    raise
            if not failures.failed:
                return Turn()
            restored = _restore(before, agent.tracker_store)
            logger.warning(
                "apuri.turn.rolled_back actions=%s restored=%s",
                ",".join(failures.actions),
                restored,
            )
            return Turn(tuple(failures.actions), restored)
    finally:
        _current.reset(token)
