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

Every booking uses a phone number of its own, so the per-resident limit never refuses one;
all are cancelled at the end. Writes `benchmarks/results/booking.json` (one entry per
database kind) and prints a summary.
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

from assistant.local_stack import start_gateway, start_redis
from booking.rules import HELSINKI

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "booking.json"
CONTENDERS = 200
FIRST_DAY_AHEAD = 2


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


class Phones:
    """A distinct valid Finnish mobile number for each booking."""

    def __init__(self) -> None:
        self.next = 0

    def __call__(self) -> str:
        self.next += 1
        return f"+35840{1000000 + self.next:07d}"


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
    phone: str,
    timings: Timings,
) -> dict[str, Any] | None:
    started = time.perf_counter()
    async with http.post(
        f"{base}/api/reservations",
        json={"resource_id": resource, "start": start, "minutes": minutes, "phone": phone},
    ) as response:
        body: dict[str, Any] = await response.json()
        timings.add(started, response.status)
        return body if response.status == 201 else None


def _days(resources: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dt.date]]:
    today = dt.datetime.now(HELSINKI).date()
    pairs = []
    for resource in resources:
        ahead = int(resource["rules"]["max_days_ahead"])
        for offset in range(FIRST_DAY_AHEAD, ahead):
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
    phones: Phones,
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
                result = await _book(
                    http, base, resource["id"], slots[0]["start"], minutes, phones(), posts
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
    phones: Phones,
    made: list[dict[str, Any]],
) -> dict[str, Any]:
    for resource, day in reversed(pairs):
        minutes = int(resource["rules"]["min_minutes"])
        free = await _availability(http, base, resource["id"], day, None)
        slots = [s for s in free.get("slots", []) if s["max_minutes"] >= minutes]
        if slots:
            break
    else:
        raise RuntimeError("no free slot left for the contention test")
    posts = Timings()
    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            _book(http, base, resource["id"], slots[0]["start"], minutes, phones(), posts)
            for _ in range(CONTENDERS)
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


async def run(base: str, workers: list[int], per_worker: int) -> dict[str, Any]:
    phones = Phones()
    made: list[dict[str, Any]] = []
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=CONTENDERS)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
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
                http, base, pairs, count, per_worker, phones, made
            )
        print(f"[bench] {CONTENDERS} simultaneous attempts at one slot…", flush=True)
        results["contention"] = await measure_contention(http, base, pairs, phones, made)
        print(f"[bench] cancelling {len(made)} bookings…", flush=True)
        results["cancel"] = await cancel_all(http, base, made)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="apuri bench booking", description=__doc__)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--per-worker", type=int, default=12, help="bookings per worker")
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
                    "APURI_SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
                    "APURI_LOG_LEVEL": "WARNING",
                },
                "/api/resources",
            )
            server = psutil.Process(process.pid)
            cpu_before = server.cpu_times()
            try:
                results = asyncio.run(run(base, args.workers, args.per_worker))
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
