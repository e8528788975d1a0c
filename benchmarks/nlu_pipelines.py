"""Compare NLU pipelines on Apuri's held-out examples (tests/nlu/).

    .venv/bin/python benchmarks/nlu_pipelines.py [--only NAME]

For each candidate config in benchmarks/nlu_pipelines/*.yml: train an NLU-only model,
run `rasa test nlu` on the held-out files, and record intent F1 (weighted and per
language), training time, model load time, parse latency, and what gibberish is
classified as. Results: benchmarks/results/nlu_pipelines.json. Runs in a temporary
directory; Rasa itself runs in .venv-rasa, never in this process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = ROOT / "benchmarks" / "nlu_pipelines"
HOLDOUT = ROOT / "tests" / "nlu"
RESULTS = ROOT / "benchmarks" / "results" / "nlu_pipelines.json"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
GIBBERISH = ["xyzzy qwerty plugh", "asdfgh jkl", "lorem ipsum dolor", "kjhsdf", "ööö äää"]

# Runs under the Rasa interpreter: load the model, time it, parse probes, print JSON.
PROBE = """
import asyncio, json, sys, time
started = time.perf_counter()
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
loaded = time.perf_counter() - started
async def main():
    out = {"load_s": round(loaded, 2), "gibberish": {}}
    for text in json.loads(sys.argv[2]):
        result = await agent.parse_message(text)
        intent = result["intent"]
        out["gibberish"][text] = [intent["name"], round(intent["confidence"], 2)]
    timings = []
    for _ in range(3):
        for text in ["moi", "hur ansöker jag om dagvård", "i want to talk to a nurse"]:
            t = time.perf_counter()
            await agent.parse_message(text)
            timings.append((time.perf_counter() - t) * 1000)
    timings.sort()
    out["parse_ms_p50"] = round(timings[len(timings) // 2], 1)
    print("PROBE" + json.dumps(out))
asyncio.run(main())
"""


def _env(cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
        "RASA_CACHE_DIRECTORY": str(cache),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
    }


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed: {result.stderr[-2000:]}")
    return result.stdout


def _language_of_examples() -> dict[str, str]:
    languages: dict[str, str] = {}
    for path in HOLDOUT.glob("holdout_*.yml"):
        lang = path.stem.split("_")[1]
        for block in yaml.safe_load(path.read_text())["nlu"]:
            for line in block["examples"].splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text:
                    languages[text] = lang
    return languages


def _f1(pairs: list[tuple[str, str]]) -> float:
    """Support-weighted intent F1 over (true, predicted) pairs."""
    labels = {true for true, _ in pairs}
    total = 0.0
    for label in labels:
        tp = sum(1 for t, p in pairs if t == label and p == label)
        fp = sum(1 for t, p in pairs if t != label and p == label)
        fn = sum(1 for t, p in pairs if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        total += f1 * sum(1 for t, _ in pairs if t == label)
    return round(total / len(pairs), 3)


def evaluate(config: Path, work: Path) -> dict[str, Any]:
    env = _env(work / "cache")
    started = time.perf_counter()
    _run(
        [str(RASA), "train", "nlu", "--nlu", str(ROOT / "nlu"), "--config", str(config),
         "--out", str(work / "models"), "--fixed-model-name", config.stem],
        work, env,
    )  # fmt: skip
    train_s = time.perf_counter() - started
    model = work / "models" / f"{config.stem}.tar.gz"
    out = work / "results"
    _run(
        [str(RASA), "test", "nlu", "--nlu", str(HOLDOUT), "--model", str(model),
         "--out", str(out), "--no-plot", "--successes"],
        work, env,
    )  # fmt: skip
    report = json.loads((out / "intent_report.json").read_text())
    predictions = json.loads((out / "intent_successes.json").read_text()) + json.loads(
        (out / "intent_errors.json").read_text()
    )
    languages = _language_of_examples()
    per_lang: dict[str, list[tuple[str, str]]] = {}
    for item in predictions:
        lang = languages.get(item["text"], "?")
        per_lang.setdefault(lang, []).append((item["intent"], item["intent_prediction"]["name"]))
    python = RASA.parent / "python"
    probe = _run([str(python), "-c", PROBE, str(model), json.dumps(GIBBERISH)], work, env)
    probed = json.loads(probe[probe.index("PROBE") + 5 :])
    return {
        "config": str(config.relative_to(ROOT)),
        "intent_f1_weighted": round(report["weighted avg"]["f1-score"], 3),
        "intent_f1_macro": round(report["macro avg"]["f1-score"], 3),
        "intent_f1_by_language": {lang: _f1(pairs) for lang, pairs in sorted(per_lang.items())},
        "train_s": round(train_s, 1),
        **probed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="evaluate only this candidate (file stem)")
    args = parser.parse_args(argv)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for config in sorted(CANDIDATES.glob("*.yml")):
        if args.only and config.stem != args.only:
            continue
        print(f"[nlu] {config.stem}…", flush=True)
        with tempfile.TemporaryDirectory(prefix="apuri-nlu-") as tmp:
            results[config.stem] = evaluate(config, Path(tmp))
        print(json.dumps(results[config.stem], indent=2), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
