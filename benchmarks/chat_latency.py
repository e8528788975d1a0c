"""Chat latency: C concurrent conversations each sending M messages, through the gateway
(`POST /api/messages`) and, with the same load, straight to Rasa's REST webhook.

    apuri bench chat [--conversations 50] [--messages 10] [--think-ms 4000]

Two scenarios run against each target: "paced", where each conversation waits a
resident's reading-and-typing time between messages (uniformly 0.5–1.5 × --think-ms),
and "saturation", where every conversation sends its next message as soon as the last
is answered, which measures the most the stack can take.

By default it starts its own Apuri (`assistant.local_stack.LocalStack`: `apuri run` on free
ports with a private Redis and a temporary var/ directory, using the trained model),
measures Rasa's start-up time and memory, runs both loads, stops everything, and writes
`benchmarks/results/chat_latency.json`. Give `--gateway URL --rasa URL` to measure a
running Apuri instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from assistant.local_stack import LocalStack, wait_for_status

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

# What residents write, in the three languages, cycled through by every conversation.
MESSAGES = [
    "moi",
    "mitä osaat tehdä?",
    "hej, vad kan du hjälpa mig med",
    "hello, what can you do?",
    "kiitos paljon",
    "tack så mycket",
    "thanks a lot",
    "in English please",
    "mikä on huomisen sää?",
    "heippa",
]


@dataclass
class LoadResult:
    latencies_ms: list[float]
    errors: int
    seconds: float

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            if not ordered:
                return float("nan")
            index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
            return round(ordered[index], 1)

        return {
            "requests": len(ordered) + self.errors,
            "errors": self.errors,
            "p50_ms": pct(50),
            "p95_ms": pct(95),
            "p99_ms": pct(99),
            "mean_ms": round(statistics.fmean(ordered), 1) if ordered else None,
            "throughput_per_s": round(len(ordered) / self.seconds, 1) if self.seconds else None,
        }


async def _conversation(
    session: aiohttp.ClientSession,
    url: str,
    body_for: Any,
    messages: int,
    think_s: float,
    offset: int,
    out: LoadResult,
) -> None:
    if think_s:
        # Residents arrive over time, not all in the same millisecond.
        await asyncio.sleep(random.uniform(0, think_s))
    for n in range(messages):
        body = body_for(MESSAGES[(offset + n) % len(MESSAGES)])
        started = time.perf_counter()
        try:
            async with session.post(url, json=body) as response:
                await response.read()
                ok = response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        if ok:
            out.latencies_ms.append((time.perf_counter() - started) * 1000)
        else:
            out.errors += 1
        if think_s:
            await asyncio.sleep(think_s * random.uniform(0.5, 1.5))


async def run_load(
    target: str, base_url: str, conversations: int, messages: int, think_s: float
) -> LoadResult:
    run = uuid.uuid4().hex[:8]
    result = LoadResult([], 0, 0.0)
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=conversations + 10)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        tasks = []
        for i in range(conversations):
            sender = f"bench-{target}-{run}-{i:04d}"
            if target == "gateway":
                url = base_url + "/api/messages"

                def body_for(text: str, cid: str = sender) -> dict[str, Any]:
                    return {"conversation_id": cid, "text": text}
            else:
                url = base_url + "/webhooks/rest/webhook"

                def body_for(text: str, cid: str = sender) -> dict[str, Any]:
                    return {"sender": cid, "message": text}

            tasks.append(_conversation(session, url, body_for, messages, think_s, i, result))
        started = time.perf_counter()
        await asyncio.gather(*tasks)
        result.seconds = time.perf_counter() - started
    return result


def _rasa_rss_mb(stack: LocalStack) -> float | None:
    """Resident memory of the Rasa server and its children, in MiB."""
    try:
        process = psutil.Process(stack.pid("rasa"))
        rss = process.memory_info().rss + sum(
            child.memory_info().rss for child in process.children(recursive=True)
        )
    except (OSError, ValueError, psutil.Error):
        return None
    return round(rss / 2**20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="apuri bench chat", description=__doc__)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument(
        "--think-ms", type=float, default=4000.0, help="mean pause between a resident's messages"
    )
    parser.add_argument("--gateway", help="a running gateway's URL (default: start one)")
    parser.add_argument("--rasa", help="a running Rasa's URL (with --gateway)")
    parser.add_argument("--out", type=Path, default=RESULTS / "chat_latency.json")
    args = parser.parse_args(argv)

    stack: LocalStack | None = None
    rasa_startup_s = None
    if args.gateway:
        gateway_url, rasa_url = args.gateway.rstrip("/"), (args.rasa or "").rstrip("/")
    else:
        print("[bench] starting Apuri on free ports…", flush=True)
        stack = LocalStack()
        stack.start()
        gateway_url, rasa_url = stack.gateway_url, stack.rasa_url
        rasa_startup_s = wait_for_status(f"{rasa_url}/webhooks/apuri/", 200, 600)
        wait_for_status(f"{gateway_url}/health", 200, 120)
    try:
        # Warm-up, not measured: TensorFlow traces its graphs anew for each new input
        # shape, so every message of the set goes through both targets first.
        for target, url in (("gateway", gateway_url), ("rasa_rest", rasa_url)):
            if url:
                asyncio.run(run_load(target, url, len(MESSAGES), len(MESSAGES), 0))
        scenarios: dict[str, Any] = {}
        for scenario, think_ms in (("paced", args.think_ms), ("saturation", 0.0)):
            results: dict[str, Any] = {}
            for target, url in (("gateway", gateway_url), ("rasa_rest", rasa_url)):
                if not url:
                    continue
                print(
                    f"[bench] {scenario}, {target}: {args.conversations} conversations x "
                    f"{args.messages} messages…",
                    flush=True,
                )
                load = asyncio.run(
                    run_load(target, url, args.conversations, args.messages, think_ms / 1000)
                )
                results[target] = load.summary()
            if "gateway" in results and "rasa_rest" in results:
                gateway_p50 = results["gateway"]["p50_ms"]
                rasa_p50 = results["rasa_rest"]["p50_ms"]
                results["gateway_overhead_p50_pct"] = round((gateway_p50 / rasa_p50 - 1) * 100, 1)
            scenarios[scenario] = {"think_ms": think_ms, **results}
        report: dict[str, Any] = {
            "benchmark": "chat_latency",
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "conversations": args.conversations,
            "messages_per_conversation": args.messages,
            "scenarios": scenarios,
        }
        if stack and rasa_startup_s is not None:
            report["rasa_startup_s"] = round(rasa_startup_s, 1)
            report["rasa_rss_mb"] = _rasa_rss_mb(stack)
    finally:
        if stack:
            stack.stop()
            stack.cleanup()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
