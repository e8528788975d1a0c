"""`apuri booking seed`: loads the bookable spaces from `booking/data/resources.yaml`.

Idempotent: a space already in the database is updated in place (its reservations stay),
and a space no longer in the file is deactivated, never deleted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from booking.models import Resource
from booking.rules import Rules
from store.db import sessions

RESOURCES_FILE = Path(__file__).resolve().parent / "data" / "resources.yaml"
KINDS = ("sports_hall", "sauna", "meeting_room", "music_studio")


class Texts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fi: str
    sv: str
    en: str


class ResourceSpec(BaseModel):
    """One space as written in resources.yaml."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]{3,64}$")
    kind: str
    unit_id: int | None
    area: str
    name: Texts
    unit_name: Texts
    address: Texts | None = None
    accessibility: Texts | None = None
    keywords: list[str]
    rules: Rules

    def row(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "unit_id": self.unit_id,
            "area": self.area,
            "name": self.name.model_dump(),
            "unit_name": self.unit_name.model_dump(),
            "address": self.address.model_dump() if self.address else None,
            "accessibility": self.accessibility.model_dump() if self.accessibility else None,
            "keywords": [word.lower() for word in self.keywords],
            "rules": self.rules.model_dump(mode="json"),
            "active": True,
        }


def load_specs(path: Path = RESOURCES_FILE) -> list[ResourceSpec]:
    """The spaces in `path`, validated (unknown kinds, bad hours and rules are errors)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = [ResourceSpec.model_validate(item) for item in document["resources"]]
    for spec in specs:
        if spec.kind not in KINDS:
            raise ValueError(f"{spec.id}: kind must be one of {KINDS}, not {spec.kind!r}")
    ids = [spec.id for spec in specs]
    if len(ids) != len(set(ids)):
        raise ValueError("resource ids must be unique")
    return specs


async def seed(engine: AsyncEngine, path: Path = RESOURCES_FILE) -> tuple[int, int, int]:
    """Inserts, updates and deactivates resources to match `path`: (added, updated, retired)."""
    specs = load_specs(path)
    added = updated = retired = 0
    async with sessions(engine)() as session, session.begin():
        existing = {r.id: r for r in (await session.scalars(select(Resource))).all()}
        for spec in specs:
            row = spec.row()
            current = existing.pop(spec.id, None)
            if current is None:
                session.add(Resource(id=spec.id, **row))
                added += 1
            else:
                for name, value in row.items():
                    setattr(current, name, value)
                updated += 1
        for leftover in existing.values():
            if leftover.active:
                leftover.active = False
                retired += 1
    return added, updated, retired
