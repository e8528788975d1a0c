"""The booking engine: availability, reservations, changes and cancellations.

It knows nothing of Rasa or HTTP. Every refusal is a `BookingRefused` with a `Reason`
(explained in fi/sv/en by `booking.messages`) and, when the asked time is taken or
closed, alternatives: the nearest free times at the same place, then the same kind of
place nearby.

No double booking is the database's guarantee (see `booking.models`): the engine checks
the rules, inserts, and maps the database's overlap error to `Reason.TAKEN`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from booking.messages import Reason, reason_text
from booking.models import Reservation, Resource
from booking.notifications import cancellation_sms, confirmation_sms, reminder_sms
from booking.rules import Rules, holiday_name
from privacy.keys import resident_key
from store.db import sessions
from store.models import HELSINKI, OutboxMessage

UTC = dt.UTC
ALTERNATIVES = 3
SEARCH_DAYS = 7
REMINDER_BEFORE = dt.timedelta(hours=24)
# New bookings an hour, whatever the channel: per resident (their proved number) and per
# client address (web and API). Enough for a family, not for a script booking a hall out.
PER_RESIDENT_HOURLY = 10
PER_CLIENT_HOURLY = 30


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Slot:
    """A free start time and how long a booking starting then can be."""

    resource_id: str
    start: dt.datetime
    max_minutes: int


@dataclass(frozen=True)
class Alternative:
    """A bookable time offered instead of the one asked for."""

    resource: Resource
    start: dt.datetime
    minutes: int


@dataclass
class BookingRefused(Exception):
    """A booking, change or cancellation that the rules or the calendar do not allow."""

    reason: Reason
    details: dict[str, Any] = field(default_factory=dict)
    alternatives: list[Alternative] = field(default_factory=list)

    def text(self, lang: str) -> str:
        return reason_text(self.reason, lang, **self.details)


@dataclass(frozen=True)
class DayAvailability:
    """A resource's opening hours on one day, its free start times and its taken ranges."""

    resource: Resource
    day: dt.date
    open: list[tuple[dt.datetime, dt.datetime]]
    closed_reason: str | None
    slots: list[Slot]
    taken: list[tuple[dt.datetime, dt.datetime]]


@dataclass(frozen=True)
class Booked:
    """A reservation just made, with the token the resident manages it with (shown once)."""

    reservation: Reservation
    resource: Resource
    token: str | None
    replayed: bool = False


@dataclass(frozen=True)
class BookingRequest:
    resource_id: str
    start: dt.datetime
    minutes: int
    phone: str
    lang: str
    channel: str
    idempotency_key: str | None = None
    # A keyed hash of the client's address (web, API), for the per-address booking limit.
    client: str | None = None

    def fingerprint(self) -> str:
        body = json.dumps(
            [self.resource_id, self.start.astimezone(UTC).isoformat(), self.minutes, self.phone],
        )
        return hashlib.sha256(body.encode()).hexdigest()


def rules_of(resource: Resource) -> Rules:
    return Rules.model_validate(resource.rules)


def _local(day: dt.date, moment: dt.time) -> dt.datetime:
    if moment == dt.time.max:
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), HELSINKI)
    return dt.datetime.combine(day, moment, HELSINKI)


def opening(
    resource: Resource, day: dt.date
) -> tuple[list[tuple[dt.datetime, dt.datetime]], str | None]:
    """The resource's open ranges on `day` as aware datetimes, and a closing reason code."""
    ranges, why = rules_of(resource).hours_on(day)
    return [(_local(day, start), _local(day, end)) for start, end in ranges], why


def _hours_text(ranges: Sequence[tuple[dt.datetime, dt.datetime]]) -> str:
    return ", ".join(
        f"{start.astimezone(HELSINKI):%H.%M}-{end.astimezone(HELSINKI):%H.%M}"
        for start, end in ranges
    )


def _fits(free: DayAvailability, start: dt.datetime, minutes: int) -> bool:
    """Whether a booking of `minutes` can start at `start` on that day's free times."""
    return any(s.start == start and s.max_minutes >= minutes for s in free.slots)


def _is_overlap(error: IntegrityError) -> bool:
    message = str(error.orig)
    return "booking_overlap" in message or "booking_no_overlap" in message


class BookingEngine:
    """Books city facilities in the database behind `engine`."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        secret: bytes,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.sessions = sessions(engine)
        self.secret = secret
        self.clock = clock

    # -- reading -------------------------------------------------------------------------

    async def resources(self, kind: str | None = None) -> list[Resource]:
        async with self.sessions() as session:
            query = select(Resource).where(Resource.active.is_(True)).order_by(Resource.id)
            if kind:
                query = query.where(Resource.kind == kind)
            return list((await session.scalars(query)).all())

    async def resource(self, resource_id: str) -> Resource:
        async with self.sessions() as session:
            found = await session.get(Resource, resource_id)
        if found is None or not found.active:
            raise BookingRefused(Reason.UNKNOWN_RESOURCE)
        return found

    async def resource_any(self, resource_id: str) -> Resource:
        """A resource even if retired (an old reservation still names it)."""
        async with self.sessions() as session:
            found = await session.get(Resource, resource_id)
        if found is None:
            raise BookingRefused(Reason.UNKNOWN_RESOURCE)
        return found

    async def _blocked(
        self, session: AsyncSession, resource_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        rows = await session.execute(
            select(Reservation.starts_at, Reservation.blocked_until)
            .where(
                Reservation.resource_id == resource_id,
                Reservation.status == "active",
                Reservation.starts_at < end,
                Reservation.blocked_until > start,
            )
            .order_by(Reservation.starts_at)
        )
        return [(row[0], row[1]) for row in rows]

    async def availability(self, resource_id: str, day: dt.date) -> DayAvailability:
        """Free start times on `day` (on the grid, long enough for the shortest booking)."""
        resource = await self.resource(resource_id)
        rules = rules_of(resource)
        today = self.clock().astimezone(HELSINKI).date()
        if day < today - dt.timedelta(days=1):
            raise BookingRefused(Reason.PAST)
        if (day - today).days > rules.max_days_ahead + 1:
            raise BookingRefused(Reason.TOO_FAR_AHEAD, {"days": rules.max_days_ahead})
        ranges, why = opening(resource, day)
        now = self.clock()
        day_start = _local(day, dt.time(0))
        async with self.sessions() as session:
            blocked = await self._blocked(
                session, resource_id, day_start, day_start + dt.timedelta(days=1, hours=6)
            )
        slots = []
        horizon = now + dt.timedelta(days=rules.max_days_ahead + 1)
        for open_at, close_at in ranges:
            start = open_at
            while start + dt.timedelta(minutes=rules.min_minutes) <= close_at:
                if now <= start < horizon:
                    longest = self._longest(start, close_at, blocked, rules)
                    if longest >= rules.min_minutes:
                        slots.append(Slot(resource_id, start, longest))
                start += dt.timedelta(minutes=rules.slot_minutes)
        taken = [(s, e) for s, e in blocked if s < day_start + dt.timedelta(days=1)]
        return DayAvailability(resource, day, ranges, why, slots, taken)

    @staticmethod
    def _longest(
        start: dt.datetime,
        close_at: dt.datetime,
        blocked: Sequence[tuple[dt.datetime, dt.datetime]],
        rules: Rules,
    ) -> int:
        """Minutes a booking starting at `start` can last (0: it cannot start then)."""
        buffer = dt.timedelta(minutes=rules.buffer_minutes)
        limit = min(close_at, start + dt.timedelta(minutes=rules.max_minutes))
        for taken_start, taken_until in blocked:
            if taken_start < start + buffer and start < taken_until:
                return 0
            if taken_start >= start:
                limit = min(limit, taken_start - buffer)
        minutes = int((limit - start).total_seconds() // 60)
        return max(0, minutes - minutes % rules.slot_minutes)

    # -- rules ---------------------------------------------------------------------------

    def _within_window(self, day: dt.date, rules: Rules) -> None:
        """Refuses a day before today or beyond how far ahead the space can be booked."""
        today = self.clock().astimezone(HELSINKI).date()
        if day < today:
            raise BookingRefused(Reason.PAST)
        if (day - today).days > rules.max_days_ahead:
            raise BookingRefused(Reason.TOO_FAR_AHEAD, {"days": rules.max_days_ahead})

    def check_rules(self, resource: Resource, start: dt.datetime, minutes: int, lang: str) -> None:
        """Raises BookingRefused when the time itself breaks a rule (not yet the calendar).

        The start must be on the slot grid to the second (no fractions) and the length a
        whole number of slots, whichever channel asks.
        """
        rules = rules_of(resource)
        now = self.clock()
        # Year 1 or 9999 cannot even be converted: refused as outside the window.
        if start.tzinfo is None or not dt.datetime(2, 1, 1, tzinfo=UTC) < start < dt.datetime(
            9998, 1, 1, tzinfo=UTC
        ):
            raise BookingRefused(
                Reason.PAST if start.year < now.year else Reason.TOO_FAR_AHEAD,
                {"days": rules.max_days_ahead},
            )
        start = start.astimezone(HELSINKI)
        if start < now:
            raise BookingRefused(Reason.PAST)
        self._within_window(start.date(), rules)
        if minutes < rules.min_minutes:
            raise BookingRefused(Reason.TOO_SHORT, {"minutes": rules.min_minutes})
        if minutes > rules.max_minutes:
            raise BookingRefused(Reason.TOO_LONG, {"minutes": rules.max_minutes})
        if minutes % rules.slot_minutes:
            raise BookingRefused(Reason.BAD_LENGTH, {"minutes": rules.slot_minutes})
        if (
            (start.hour * 60 + start.minute) % rules.slot_minutes
            or start.second
            or start.microsecond
        ):
            raise BookingRefused(Reason.OFF_GRID, {"minutes": rules.slot_minutes})
        end = start + dt.timedelta(minutes=minutes)
        ranges, why = opening(resource, start.date())
        if not any(open_at <= start and end <= close_at for open_at, close_at in ranges):
            name = (
                holiday_name(start.date(), lang)
                if why == "holiday"
                else rules.exception_reason(start.date(), lang)
            )
            raise BookingRefused(Reason.CLOSED, {"why": name, "hours": _hours_text(ranges)})

    async def check_bookable(
        self, resource: Resource, start: dt.datetime, minutes: int, lang: str
    ) -> None:
        """Raises BookingRefused unless `resource` can be booked now at `start` for
        `minutes`: the rules, then the calendar. A time that is taken or closed is refused
        with alternatives, as `book` refuses it."""
        try:
            self.check_rules(resource, start, minutes, lang)
            if not _fits(await self.availability(resource.id, start.date()), start, minutes):
                raise BookingRefused(Reason.TAKEN)
        except BookingRefused as refused:
            await self._offer_alternatives(refused, resource, start, minutes)
            raise

    async def _offer_alternatives(
        self, refused: BookingRefused, resource: Resource, start: dt.datetime, minutes: int
    ) -> None:
        """Adds the alternatives to a refusal of a time that is taken or closed."""
        if refused.reason in (Reason.TAKEN, Reason.CLOSED) and not refused.alternatives:
            refused.alternatives = await self.alternatives(resource, start, minutes)

    # -- writing -------------------------------------------------------------------------

    async def book(self, request: BookingRequest) -> Booked:
        """Makes a reservation, or raises BookingRefused (with alternatives when taken)."""
        key = resident_key(request.phone, self.secret)
        token = secrets.token_urlsafe(18)
        resource: Resource | None = None
        try:
            async with self.sessions() as session, session.begin():
                await self._lock_resident(session, key)
                if request.idempotency_key:
                    replay = await self._replay(session, request)
                    if replay is not None:
                        return replay
                resource = await session.get(Resource, request.resource_id)
                if resource is None or not resource.active:
                    raise BookingRefused(Reason.UNKNOWN_RESOURCE)
                self.check_rules(resource, request.start, request.minutes, request.lang)
                rules = rules_of(resource)
                await self._check_limit(session, key, resource, rules)
                await self._check_rate(session, key, request.client)
                reservation = self._new_reservation(request, resource, rules, key, token)
                session.add(reservation)
                await session.flush()
                self._queue_messages(session, reservation, resource)
            return Booked(reservation, resource, token)
        except IntegrityError as error:
            if request.idempotency_key:
                async with self.sessions() as session:
                    replay = await self._replay(session, request)
                if replay is not None:
                    return replay
            if not _is_overlap(error):
                raise
            # The rolled-back session expired its objects: read the resource afresh.
            taken = BookingRefused(Reason.TAKEN)
            resource = await self.resource(request.resource_id)
            await self._offer_alternatives(taken, resource, request.start, request.minutes)
            raise taken from None
        except BookingRefused as refused:
            if refused.reason is Reason.CLOSED:
                resource = await self.resource(request.resource_id)
                await self._offer_alternatives(refused, resource, request.start, request.minutes)
            raise

    async def _lock_resident(self, session: AsyncSession, key: str) -> None:
        """PostgreSQL: one booking at a time per resident (SQLite: all writers are serial)."""
        if self.engine.dialect.name == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
            )

    async def _replay(self, session: AsyncSession, request: BookingRequest) -> Booked | None:
        existing = await session.scalar(
            select(Reservation).where(Reservation.idempotency_key == request.idempotency_key)
        )
        if existing is None:
            return None
        if existing.request_hash != request.fingerprint():
            raise BookingRefused(Reason.IDEMPOTENCY_MISMATCH)
        resource = await session.get(Resource, existing.resource_id)
        assert resource is not None
        return Booked(existing, resource, token=None, replayed=True)

    async def _check_limit(
        self, session: AsyncSession, key: str, resource: Resource, rules: Rules
    ) -> None:
        active = await session.scalar(
            select(func.count())
            .select_from(Reservation)
            .where(
                Reservation.resident_key == key,
                Reservation.resource_id == resource.id,
                Reservation.status == "active",
                Reservation.ends_at > self.clock(),
            )
        )
        if (active or 0) >= rules.max_active_per_resident:
            raise BookingRefused(Reason.OVER_LIMIT, {"limit": rules.max_active_per_resident})

    async def _check_rate(self, session: AsyncSession, key: str, client: str | None) -> None:
        """At most so many new bookings an hour per resident and per client address."""
        since = self.clock() - dt.timedelta(hours=1)
        checks = [(Reservation.resident_key == key, PER_RESIDENT_HOURLY)]
        if client:
            checks.append((Reservation.client_key == client, PER_CLIENT_HOURLY))
        for condition, limit in checks:
            made = await session.scalar(
                select(func.count())
                .select_from(Reservation)
                .where(condition, Reservation.created_at > since)
            )
            if (made or 0) >= limit:
                raise BookingRefused(Reason.RATE_LIMITED)

    def _new_reservation(
        self, request: BookingRequest, resource: Resource, rules: Rules, key: str, token: str
    ) -> Reservation:
        start = request.start.astimezone(UTC)
        end = start + dt.timedelta(minutes=request.minutes)
        return Reservation(
            id=secrets.token_hex(8),
            resource_id=resource.id,
            starts_at=start,
            ends_at=end,
            blocked_until=end + dt.timedelta(minutes=rules.buffer_minutes),
            status="active",
            resident_key=key,
            client_key=request.client[:32] if request.client else None,
            phone=request.phone,
            lang=request.lang,
            channel=request.channel,
            token_hash=token_hash(token),
            price_cents=rules.price_cents(request.minutes),
            idempotency_key=request.idempotency_key,
            request_hash=request.fingerprint() if request.idempotency_key else None,
            created_at=self.clock(),
        )

    def _queue_messages(
        self, session: AsyncSession, reservation: Reservation, resource: Resource
    ) -> None:
        now = self.clock()
        session.add(
            self._message("confirmation", reservation, confirmation_sms(reservation, resource), now)
        )
        remind_at = reservation.starts_at - REMINDER_BEFORE
        if remind_at > now + dt.timedelta(hours=1):
            session.add(
                self._message(
                    "reminder", reservation, reminder_sms(reservation, resource), remind_at
                )
            )

    def _message(
        self, kind: str, reservation: Reservation, body: str, at: dt.datetime
    ) -> OutboxMessage:
        return OutboxMessage.pending(
            kind=kind,
            to_phone=reservation.phone,
            body=body,
            lang=reservation.lang,
            reservation_id=reservation.id,
            send_after=at,
            created_at=self.clock(),
        )

    async def _owned(
        self, session: AsyncSession, reservation_id: str, *, token: str | None, resident: str | None
    ) -> Reservation:
        reservation = await session.get(Reservation, reservation_id)
        if reservation is None:
            raise BookingRefused(Reason.NOT_FOUND)
        by_token = token is not None and hmac.compare_digest(
            reservation.token_hash, token_hash(token)
        )
        by_resident = resident is not None and hmac.compare_digest(
            reservation.resident_key, resident
        )
        if not (by_token or by_resident):
            raise BookingRefused(Reason.FORBIDDEN)
        return reservation

    def _check_deadline(self, reservation: Reservation, rules: Rules) -> None:
        deadline = reservation.starts_at - dt.timedelta(hours=rules.cancel_hours_before)
        if self.clock() > deadline:
            raise BookingRefused(Reason.TOO_LATE_TO_CANCEL, {"hours": rules.cancel_hours_before})

    async def cancel(
        self,
        reservation_id: str,
        *,
        token: str | None = None,
        phone: str | None = None,
        reason: str = "resident",
    ) -> Reservation:
        """Cancels a reservation held by the token's or the phone number's resident."""
        resident = resident_key(phone, self.secret) if phone else None
        async with self.sessions() as session, session.begin():
            reservation = await self._owned(session, reservation_id, token=token, resident=resident)
            if reservation.status == "cancelled":
                raise BookingRefused(Reason.ALREADY_CANCELLED)
            resource = await session.get(Resource, reservation.resource_id)
            assert resource is not None
            self._check_deadline(reservation, rules_of(resource))
            reservation.status = "cancelled"
            reservation.cancelled_at = self.clock()
            reservation.cancel_reason = reason
            await self._drop_reminders(session, reservation.id)
            session.add(
                self._message(
                    "cancellation",
                    reservation,
                    cancellation_sms(reservation, resource),
                    self.clock(),
                )
            )
        return reservation

    async def _drop_reminders(self, session: AsyncSession, reservation_id: str) -> None:
        pending = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.reservation_id == reservation_id,
                OutboxMessage.kind == "reminder",
                OutboxMessage.status == "pending",
            )
        )
        for message in pending:
            message.status = "dropped"

    async def change(
        self,
        reservation_id: str,
        start: dt.datetime,
        minutes: int | None = None,
        *,
        token: str | None = None,
        phone: str | None = None,
    ) -> Reservation:
        """Moves a reservation to another time at the same place, if that time is free."""
        resident = resident_key(phone, self.secret) if phone else None
        resource_id: str | None = None
        length = minutes
        try:
            async with self.sessions() as session, session.begin():
                reservation = await self._owned(
                    session, reservation_id, token=token, resident=resident
                )
                if reservation.status == "cancelled":
                    raise BookingRefused(Reason.ALREADY_CANCELLED)
                resource_id = reservation.resource_id
                resource = await session.get(Resource, resource_id)
                assert resource is not None
                rules = rules_of(resource)
                self._check_deadline(reservation, rules)
                length = minutes or int(
                    (reservation.ends_at - reservation.starts_at).total_seconds() // 60
                )
                self.check_rules(resource, start, length, reservation.lang)
                new_start = start.astimezone(UTC)
                reservation.starts_at = new_start
                reservation.ends_at = new_start + dt.timedelta(minutes=length)
                reservation.blocked_until = reservation.ends_at + dt.timedelta(
                    minutes=rules.buffer_minutes
                )
                reservation.price_cents = rules.price_cents(length)
                await session.flush()
                await self._drop_reminders(session, reservation.id)
                self._queue_messages(session, reservation, resource)
            return reservation
        except IntegrityError as error:
            if not _is_overlap(error):
                raise
            assert resource_id is not None and length is not None
            # The rolled-back session expired its objects: read the resource afresh.
            taken = BookingRefused(Reason.TAKEN)
            await self._offer_alternatives(taken, await self.resource(resource_id), start, length)
            raise taken from None

    async def reservation(
        self, reservation_id: str, *, token: str | None = None, phone: str | None = None
    ) -> Reservation:
        """One reservation, for its holder only."""
        resident = resident_key(phone, self.secret) if phone else None
        async with self.sessions() as session:
            found: Reservation = await self._owned(
                session, reservation_id, token=token, resident=resident
            )
        return found

    async def reservations_of(self, phone: str) -> list[tuple[Reservation, Resource]]:
        """The resident's active bookings that have not ended, soonest first."""
        key = resident_key(phone, self.secret)
        async with self.sessions() as session:
            rows = await session.execute(
                select(Reservation, Resource)
                .join(Resource, Resource.id == Reservation.resource_id)
                .where(
                    Reservation.resident_key == key,
                    Reservation.status == "active",
                    Reservation.ends_at > self.clock(),
                )
                .order_by(Reservation.starts_at)
            )
            return [(row[0], row[1]) for row in rows]

    # -- alternatives --------------------------------------------------------------------

    async def alternatives(
        self, resource: Resource, start: dt.datetime, minutes: int, limit: int = ALTERNATIVES
    ) -> list[Alternative]:
        """Nearest free times at the same place, then the same kind of place nearby.

        The same place comes first, nearest to the asked time on the asked day, then at
        about the same time on the following days; one place of the same kind (in the
        same area first) that is free at exactly the asked time completes the list.
        """
        start = start.astimezone(HELSINKI)
        same: list[Alternative] = []
        for offset in range(SEARCH_DAYS + 1):
            day = start.date() + dt.timedelta(days=offset)
            target = dt.datetime.combine(day, start.time(), HELSINKI)
            try:
                free = await self.availability(resource.id, day)
            except BookingRefused:
                break  # beyond how far ahead the space can be booked
            fitting = [s for s in free.slots if s.max_minutes >= minutes and s.start != start]
            fitting.sort(key=lambda s: abs((s.start - target).total_seconds()))
            same.extend(Alternative(resource, s.start, minutes) for s in fitting[:limit])
            if len(same) >= limit:
                break
        elsewhere = await self._same_kind_free(resource, start, minutes)
        if elsewhere is None:
            return same[:limit]
        return [*same[: limit - 1], elsewhere]

    async def _same_kind_free(
        self, resource: Resource, start: dt.datetime, minutes: int
    ) -> Alternative | None:
        others = [r for r in await self.resources(resource.kind) if r.id != resource.id]
        others.sort(key=lambda r: (r.area != resource.area, r.id))
        for other in others:
            try:
                self.check_rules(other, start, minutes, "fi")
            except BookingRefused:
                continue
            if _fits(await self.availability(other.id, start.date()), start, minutes):
                return Alternative(other, start, minutes)
        return None
