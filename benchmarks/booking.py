"""Facility booking under load, through the gateway's REST API as a booking client uses it.

    apuri bench booking [--database-url postgresql://...] [--workers 1 8 32]

Starts a gateway of its own (`apuri gateway` on a free port, in a temporary var/ directory,
with a private Redis, on a fresh SQLite file unless --database-url names another database;
the gateway migrates and seeds it), then measures:

1. availability: GET /api/resources/{id}/availability for every space and bookable day, one
   client at a time and then 32 at once: latency p50/p99 and requests per second;
2. booking: W workers (1, 8, 32) each book free slots on their own space-days, every booking
   as a client makes it: read the day's availability, POST the first free slot. Latency of the
   POST p50/p99, and completed bookings per second (availability read included);
3. contention: 200 simultaneous POSTs for one slot: exactly one booking, 199 refusals
   (HTTP 409), and how long the 200 take;
4. cancellation: DELETE of every booking made, with its token: latency p50/p99.

Every booking is made by a resident of its own, as the API now asks of a client: a phone
number of its own, a resident session that proved that number (`X-Resident-Session`), and a
client address of its own. The sessions are opened before anything is measured, straight in
the identity store (`privacy.identity.Identities`) on the gateway's Redis with the gateway's
secret key, as a code typed back would open them: texting and typing hundreds of codes
would measure the code limits, not booking. The gateway runs as a process of its own, so
its limits (20 attempts a minute and 30 new bookings an hour per client address, 10 an hour
per resident) cannot be raised from here and are not: it trusts 127.0.0.1 as a reverse
proxy (`APURI_TRUSTED_PROXIES`), as it would behind the city's proxy, and each resident's
requests carry their own address in `X-Forwarded-For`. So no limit refuses a booking and
the figures stay those of the engine and the API under load, the session check and the
rate counting included; a refusal by a limit would show as 401, 403 or 429 in `statuses`.
All bookings are cancelled at the end. Writes `benchmarks/results/booking.json` (one entry
per database kind) and prints a summary.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from redis.asyncio import Redis

from assistant.identity_api import SESSION_HEADER
from assistant.local_stack import start_gateway, start_redis
from privacy.identity import Identities
from store.models import HELSINKI

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "booking.json"
CONTENDERS = 200
FIRST_DAY_AHEAD = 2
SECRET_KEY = "benchmark-secret-key-0123456789abcdef"  # noqa: S105 - the benchmark's own gateway
# The gateway believes X-Forwarded-For from here, as it would from the city's reverse proxy.
PROXY = "127.0.0.1"


@dataclass
class Timings:
    """Latencies in milliseconds and the statuses they ended with."""

    ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, started: float, status: int) -> None:
        self.ms.append((time.perf_counter() - started) * 1000)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def summary(self, wall_s: float | None = None) -> dict[str, Any]:
        ordered = sorted(self.ms)
        result: dict[str, Any] = {
            "requests": len(ordered),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }
        if ordered:
            result["p50_ms"] = round(statistics.median(ordered), 2)
            result["p99_ms"] = round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2)
        if wall_s:
            result["wall_s"] = round(wall_s, 2)
            result["per_second"] = round(len(ordered) / wall_s, 1)
        return result


@dataclass(frozen=True)
class Resident:
    """One booking client: a number, a session that proved it, and an address of its own."""

    phone: str
    headers: dict[str, str]


class Residents:
    """Residents with their sessions opened ahead of the measurements (`open`), handed out
    one a booking; more are opened if a run needs them (races refused with 409 use some)."""

    def __init__(self, identities: Identities) -> None:
        self.identities = identities
        self.ready: list[Resident] = []
        self.made = 0

    async def open(self, count: int) -> None:
        for _ in range(count):
            self.made += 1
            phone = f"+35840{1000000 + self.made:07d}"
            token = await self.identities.open_session(phone, "sms-code")
            # 10.0.0.0/8 gives every resident an address of its own for a run's 16 million.
            address = f"10.{self.made >> 16 & 255}.{self.made >> 8 & 255}.{self.made & 255}"
            self.ready.append(Resident(phone, {SESSION_HEADER: token, "X-Forwarded-For": address}))

    async def next(self) -> Resident:
        if not self.ready:
            await self.open(50)
        return self.ready.pop()


async def _availability(
    http: aiohttp.ClientSession, base: str, resource: str, day: dt.date, timings: Timings | None
) -> dict[str, Any]:
    started = time.perf_counter()
    async with http.get(
        f"{base}/api/resources/{resource}/availability", params={"date": day.isoformat()}
    ) as response:
        body: dict[str, Any] = await response.json()
        if timings is not None:
            timings.add(started, response.status)
        return body


async def _book(
    http: aiohttp.ClientSession,
    base: str,
    resource: str,
    start: str,
    minutes: int,
    resident: Resident,
    timings: Timings,
) -> dict[str, Any] | None:
    started = time.perf_counter()
    async with http.post(
        f"{base}/api/reservations",
        json={"resource_id": resource, "start": start, "minutes": minutes, "phone": resident.phone},
        headers=resident.headers,
    ) as response:
        body: dict[str, Any] = await response.json()
        timings.add(started, response.status)
        return body if response.status == 201 else None


def _days(resources: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dt.date]]:
    today = dt.datetime.now(HELSINKI).date()
    pairs = []
    for resource in resources:
        ahead = int(resource["rules"]["max_days_ahead"])
        # Only days whose bookings can still be cancelled at the end, at any time of day.
        notice_days = -(-int(resource["rules"]["cancel_hours_before"] or 0) // 24) + 1
        for offset in range(max(FIRST_DAY_AHEAD, notice_days), ahead):
            pairs.append((resource, today + dt.timedelta(days=offset)))
    return pairs


async def measure_availability(
    http: aiohttp.ClientSession, base: str, pairs: list[tuple[dict[str, Any], dt.date]]
) -> dict[str, Any]:
    for resource, day in pairs[:20]:  # warm-up
        await _availability(http, base, resource["id"], day, None)
    sequential = Timings()
    started = time.perf_counter()
    for resource, day in pairs:
        await _availability(http, base, resource["id"], day, sequential)
    sequential_wall = time.perf_counter() - started

    concurrent = Timings()
    queue = list(pairs) * 2

    async def worker() -> None:
        while queue:
            resource, day = queue.pop()
            await _availability(http, base, resource["id"], day, concurrent)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(32)))
    return {
        "sequential": sequential.summary(sequential_wall),
        "concurrent_32": concurrent.summary(time.perf_counter() - started),
    }


async def measure_booking(
    http: aiohttp.ClientSession,
    base: str,
    pairs: list[tuple[dict[str, Any], dt.date]],
    workers: int,
    per_worker: int,
    residents: Residents,
    made: list[dict[str, Any]],
) -> dict[str, Any]:
    posts = Timings()
    queue = pairs  # shared: each round takes space-days no earlier round used
    booked = 0

    async def worker() -> None:
        nonlocal booked
        done = 0
        while queue and done < per_worker:
            resource, day = queue.pop()
            minutes = int(resource["rules"]["min_minutes"])
            while done < per_worker:
                free = await _availability(http, base, resource["id"], day, None)
                slots = [s for s in free.get("slots", []) if s["max_minutes"] >= minutes]
                if not slots:
                    break
                resident = await residents.next()
                result = await _book(
                    http, base, resource["id"], slots[0]["start"], minutes, resident, posts
                )
                if result is not None:
                    made.append(result)
                    booked += 1
                    done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    wall = time.perf_counter() - started
    summary = posts.summary(wall)
    summary["bookings"] = booked
    summary["bookings_per_second"] = round(booked / wall, 1)
    return summary


async def measure_contention(
    http: aiohttp.ClientSession,
    base: str,
    pairs: list[tuple[dict[str, Any], dt.date]],
    residents: Residents,
    made: list[dict[str, Any]],
    contenders: int,
) -> dict[str, Any]:
    for resource, day in reversed(pairs):
        minutes = int(resource["rules"]["min_minutes"])
        free = await _availability(http, base, resource["id"], day, None)
        slots = [s for s in free.get("slots", []) if s["max_minutes"] >= minutes]
        if slots:
            break
    else:
        raise RuntimeError("no free slot left for the contention test")
    everyone = [await residents.next() for _ in range(contenders)]
    posts = Timings()
    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            _book(http, base, resource["id"], slots[0]["start"], minutes, resident, posts)
            for resident in everyone
        )
    )
    wall = time.perf_counter() - started
    winners = [r for r in results if r is not None]
    made.extend(winners)
    summary = posts.summary(wall)
    summary["booked"] = len(winners)
    return summary


async def cancel_all(
    http: aiohttp.ClientSession, base: str, made: list[dict[str, Any]]
) -> dict[str, Any]:
    timings = Timings()
    for reservation in made:
        started = time.perf_counter()
        async with http.delete(
            f"{base}/api/reservations/{reservation['id']}",
            headers={"Authorization": f"Bearer {reservation['token']}"},
        ) as response:
            await response.read()
            timings.add(started, response.status)
    return timings.summary()


async def run(
    base: str, redis_url: str, workers: list[int], per_worker: int, contenders: int
) -> dict[str, Any]:
    redis = Redis.from_url(redis_url)
    residents = Residents(Identities(redis, SECRET_KEY.encode()))
    # Every booking of the run and every contender, and a margin for races lost.
    await residents.open(sum(workers) * per_worker * 5 // 4 + contenders + 50)
    made: list[dict[str, Any]] = []
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=max(contenders, 32))
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
            return await _measure(http, base, workers, per_worker, contenders, residents, made)
    finally:
        await redis.aclose()


async def _measure(
    http: aiohttp.ClientSession,
    base: str,
    workers: list[int],
    per_worker: int,
    contenders: int,
    residents: Residents,
    made: list[dict[str, Any]],
) -> dict[str, Any]:
    async with http.get(f"{base}/api/resources") as response:
        resources = (await response.json())["resources"]
    all_pairs = _days(resources)
    pairs = list(all_pairs)
    print(f"[bench] {len(resources)} spaces, {len(pairs)} space-days", flush=True)
    results: dict[str, Any] = {"spaces": len(resources), "space_days": len(pairs)}
    print("[bench] availability…", flush=True)
    results["availability"] = await measure_availability(http, base, all_pairs)
    results["booking"] = {}
    for count in workers:
        print(f"[bench] booking with {count} workers…", flush=True)
        results["booking"][f"workers_{count}"] = await measure_booking(
            http, base, pairs, count, per_worker, residents, made
        )
    print(f"[bench] {contenders} simultaneous attempts at one slot…", flush=True)
    results["contention"] = await measure_contention(http, base, pairs, residents, made, contenders)
    print(f"[bench] cancelling {len(made)} bookings…", flush=True)
    results["cancel"] = await cancel_all(http, base, made)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="apuri bench booking", description=__doc__)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--per-worker", type=int, default=12, help="bookings per worker")
    parser.add_argument(
        "--contenders", type=int, default=CONTENDERS, help="simultaneous attempts at one slot"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="apuri-bench-booking-") as tmp:
        var_dir = Path(tmp)
        database_url = args.database_url or f"sqlite:///{var_dir / 'booking.db'}"
        kind = "postgresql" if database_url.startswith("postgres") else "sqlite"
        print(f"[bench] starting a gateway on {kind}…", flush=True)
        redis, redis_url = start_redis(var_dir)
        try:
            process, base = start_gateway(
                var_dir,
                {
                    "REDIS_URL": redis_url,
                    "DATABASE_URL": database_url,
                    "APURI_SECRET_KEY": SECRET_KEY,
                    "APURI_LOG_LEVEL": "WARNING",
                    "APURI_TRUSTED_PROXIES": PROXY,
                },
                "/api/resources",
            )
            server = psutil.Process(process.pid)
            cpu_before = server.cpu_times()
            try:
                results = asyncio.run(
                    run(base, redis_url, args.workers, args.per_worker, args.contenders)
                )
            finally:
                cpu_after = server.cpu_times()
                process.terminate()
                process.wait(30)
        finally:
            redis.terminate()
            redis.wait(30)
    results["gateway_cpu_s"] = round(
        (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system), 2
    )
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    stored: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    stored[kind] = results
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(stored, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    contention = results["contention"]
    if contention["booked"] != 1:
        print(f"[bench] FAILED: {contention['booked']} bookings of one slot", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
