"""Video-call rooms for exactly two parties: the client (or their carer) and the nurse.

The gateway relays signaling messages (offer, answer, ICE candidates) between the two.
A room admits one connection per role: a second client, or anyone while both seats are
taken, is refused. A seat is freed when its connection closes, so a party whose network
changed can come back. Nothing here knows about HTTP: a party is anything with `send`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from telecare.tokens import Role

SIGNAL_TYPES = frozenset({"offer", "answer", "candidate", "restart", "bye", "state"})


class Party(Protocol):
    async def send(self, message: dict[str, Any]) -> None: ...


class RoomError(Exception):
    """A join that the room refuses (`reason`: full, role_taken)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Room:
    id: str
    parties: dict[Role, Party] = field(default_factory=dict)
    joined_at: dict[Role, float] = field(default_factory=dict)
    created_at: float = field(default_factory=time.monotonic)

    def other(self, role: Role) -> Party | None:
        return self.parties.get("nurse" if role == "client" else "client")


class Rooms:
    """The rooms with someone in them, on this gateway."""

    def __init__(self) -> None:
        self._rooms: dict[str, Room] = {}

    def get(self, room_id: str) -> Room | None:
        return self._rooms.get(room_id)

    async def join(self, room_id: str, role: Role, party: Party) -> Room:
        room = self._rooms.setdefault(room_id, Room(room_id))
        if len(room.parties) >= 2:
            raise RoomError("full")
        if role in room.parties:
            raise RoomError("role_taken")
        room.parties[role] = party
        room.joined_at[role] = time.monotonic()
        await party.send({"type": "joined", "role": role, "peer": room.other(role) is not None})
        other = room.other(role)
        if other is not None:
            await other.send({"type": "peer-joined", "role": role})
        return room

    async def leave(self, room_id: str, role: Role, party: Party) -> None:
        room = self._rooms.get(room_id)
        if room is None or room.parties.get(role) is not party:
            return
        del room.parties[role]
        other = room.other(role)
        if other is not None:
            await other.send({"type": "peer-left", "role": role})
        if not room.parties:
            del self._rooms[room_id]

    async def relay(self, room_id: str, role: Role, message: dict[str, Any]) -> bool:
        """Passes a signaling message to the other party; False when nobody is there."""
        room = self._rooms.get(room_id)
        if room is None or message.get("type") not in SIGNAL_TYPES:
            return False
        other = room.other(role)
        if other is None:
            return False
        await other.send({**message, "from": role})
        return True

    def __len__(self) -> int:
        return len(self._rooms)
