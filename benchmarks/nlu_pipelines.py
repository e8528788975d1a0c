"""Compare candidate NLU pipelines for Apuri on the held-out examples in tests/nlu/.

    .venv-rasa/bin/python benchmarks/nlu_pipelines.py \\
        --rasa-python .venv-rasa/bin/python --out benchmarks/results/nlu_pipelines.json

For each candidate below, one after another (the machine has two cores): train an NLU-only
model in a temporary directory (`rasa train nlu`, a fresh cache each), run `rasa test nlu` on
tests/nlu for Rasa's own intent report, then load the model in a fresh interpreter with
`Agent.load` and parse every held-out example and a few gibberish strings with
`agent.parse_message` (the latency of each parse is kept). Cold starts (import Rasa,
`Agent.load`, first parse) are timed in --startup-runs further fresh interpreters and the
fastest kept, since other work shares the machine; training time is a single run.

Two intent F1 figures are kept, because `rasa test nlu` undoes FallbackClassifier's
predictions before scoring: `rasa` is Rasa's report (the threshold cannot change it);
`answered` scores what a resident gets, where nlu_fallback counts as a miss. The fallback
threshold is swept from the parsed rankings, so one training shows every threshold.

This process never imports Rasa; everything Rasa runs under --rasa-python, with the working
directory in a temporary folder so no .rasa/, models/ or results/ land in the checkout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GIBBERISH = ["xyzzy qwerty plugh", "asdfgh jkl", "lorem ipsum dolor"]
FALLBACK = "nlu_fallback"
THRESHOLDS = [round(0.3 + 0.05 * step, 2) for step in range(14)]
AMBIGUITIES = [0.0, 0.05, 0.1]

_HEADER = "recipe: default.v1\nlanguage: xx\nassistant_id: apuri\npipeline:\n"
_TOKENS = "  - name: WhitespaceTokenizer\n"
_SPARSE = """\
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
"""
_CHAR = """\
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 5
"""
_E5 = "  - name: assistant.rasa_plugins.e5_featurizer.E5Featurizer\n"
_DIET = """\
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: EntitySynonymMapper
"""
_LOGREG = "  - name: LogisticRegressionClassifier\n"
_LOOKUP = """\
  - name: RegexEntityExtractor
    use_lookup_tables: true
    use_regexes: false
    use_word_boundaries: true
  - name: EntitySynonymMapper
"""
_FALLBACK = "  - name: FallbackClassifier\n    threshold: 0.6\n    ambiguity_threshold: 0.1\n"

# name -> (what it is, the config's YAML)
CANDIDATES: dict[str, tuple[str, str]] = {
    "A_cv_diet": (
        "config.yml's baseline: word and char_wb count vectors, DIET 100 epochs",
        _HEADER + _TOKENS + _SPARSE + _CHAR + _DIET + _FALLBACK,
    ),
    "B_cv_e5_diet": (
        "A plus E5Featurizer feeding DIET",
        _HEADER + _TOKENS + _SPARSE + _CHAR + _E5 + _DIET + _FALLBACK,
    ),
    "C_e5_char_logreg": (
        "E5Featurizer and char_wb count vectors, LogisticRegressionClassifier (no TF model)",
        _HEADER + _TOKENS + _CHAR + _E5 + _LOGREG + _FALLBACK,
    ),
    "D_e5_char_logreg_lookup": (
        "C plus the `language` entity from nlu/lookups.yml (RegexEntityExtractor, synonyms)",
        _HEADER + _TOKENS + _CHAR + _E5 + _LOGREG + _LOOKUP + _FALLBACK,
    ),
    "E_e5x10_char_logreg_lookup": (
        "D with the embedding scaled x10 (chosen by 5-fold CV on the training data) so the"
        " logistic regression's L2 penalty does not drown it next to the counts",
        _HEADER
        + _TOKENS
        + _CHAR
        + _E5
        + "    scale: 10\n"
        + _LOGREG
        + "    max_iter: 1000\n"
        + _LOOKUP
        + _FALLBACK,
    ),
}

# Runs under --rasa-python: load the model, parse the held-out examples and the gibberish.
PROBE = """
import asyncio, json, sys, time
started = time.perf_counter()
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
imported = time.perf_counter()
agent = Agent.load(sys.argv[1])
loaded = time.perf_counter()

def row(result, elapsed):
    ranking = [r for r in result.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
    return {
        "intent": result["intent"]["name"],
        "confidence": round(float(result["intent"]["confidence"]), 4),
        "raw": [[r["name"], round(float(r["confidence"]), 4)] for r in ranking[:2]],
        "entities": sorted({(e["entity"], str(e.get("value"))) for e in result["entities"]}),
        "ms": round(elapsed * 1000, 2),
    }

async def parse(text):
    begin = time.perf_counter()
    result = await agent.parse_message(text)
    return row(result, time.perf_counter() - begin)

async def main():
    first = await parse("moi")
    heldout = []
    for path, language in json.loads(sys.argv[2]):
        for example in load_data(path).intent_examples:
            out = await parse(example.get("text"))
            expected = {(e["entity"], str(e.get("value"))) for e in example.get("entities", [])}
            out.update(language=language, text=example.get("text"), truth=example.get("intent"))
            out["expected_entities"] = sorted(expected)
            heldout.append(out)
    gibberish = {text: await parse(text) for text in json.loads(sys.argv[3])}
    print("PROBE" + json.dumps({
        "import_s": round(imported - started, 2),
        "load_s": round(loaded - imported, 2),
        "first_parse_ms": first["ms"],
        "tensorflow_imported": "tensorflow" in sys.modules,
        "heldout": heldout,
        "gibberish": gibberish,
    }))

asyncio.run(main())
"""

# Runs under --rasa-python: a cold start (import, load, first parse), timed on its own.
STARTUP = """
import asyncio, json, sys, time
started = time.perf_counter()
from rasa.core.agent import Agent
imported = time.perf_counter()
agent = Agent.load(sys.argv[1])
loaded = time.perf_counter()
asyncio.run(agent.parse_message("moi, voinko varata saunavuoron"))
parsed = time.perf_counter()
print("STARTUP" + json.dumps({
    "import_s": imported - started,
    "load_s": loaded - imported,
    "first_parse_ms": (parsed - loaded) * 1000,
    "tensorflow_imported": "tensorflow" in sys.modules,
}))
"""


def f1_scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Weighted and macro F1 of (truth, prediction) pairs, as sklearn (and so Rasa) counts.

    Labels are those true or predicted, so a predicted nlu_fallback adds a zero to the macro
    average; zero division gives zero.
    """
    labels = sorted({truth for truth, _ in pairs} | {pred for _, pred in pairs})
    weighted = macro = 0.0
    for label in labels:
        tp = sum(1 for truth, pred in pairs if truth == label == pred)
        predicted = sum(1 for _, pred in pairs if pred == label)
        support = sum(1 for truth, _ in pairs if truth == label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        weighted += f1 * support
        macro += f1
    return {
        "weighted": round(weighted / len(pairs), 4) if pairs else 0.0,
        "macro": round(macro / len(labels), 4) if labels else 0.0,
    }


def with_fallback(raw: list[list[Any]], threshold: float, ambiguity: float) -> str:
    """The intent FallbackClassifier would leave for a raw ranking at these thresholds."""
    if not raw:
        return FALLBACK
    top = float(raw[0][1])
    second = float(raw[1][1]) if len(raw) > 1 else 0.0
    return FALLBACK if top < threshold or top - second < ambiguity else str(raw[0][0])


def score(heldout: list[dict[str, Any]], predict: str) -> dict[str, Any]:
    """Overall and per-language F1 where `predict` names each row's prediction field."""
    languages = sorted({row["language"] for row in heldout})
    result: dict[str, Any] = f1_scores([(r["truth"], r[predict]) for r in heldout])
    result["by_language"] = {
        lang: f1_scores([(r["truth"], r[predict]) for r in heldout if r["language"] == lang])
        for lang in languages
    }
    return result


def sweep(probe: dict[str, Any]) -> list[dict[str, Any]]:
    """F1 (nlu_fallback a miss) and the gibberish outcome at each fallback setting."""
    rows = []
    for ambiguity in AMBIGUITIES:
        for threshold in THRESHOLDS:
            heldout = [
                {**r, "at": with_fallback(r["raw"], threshold, ambiguity)} for r in probe["heldout"]
            ]
            answered = score(heldout, "at")
            caught = [
                with_fallback(g["raw"], threshold, ambiguity) in {FALLBACK, "out_of_scope"}
                for g in probe["gibberish"].values()
            ]
            rows.append(
                {
                    "threshold": threshold,
                    "ambiguity_threshold": ambiguity,
                    "f1_weighted": answered["weighted"],
                    "f1_by_language": {
                        k: v["weighted"] for k, v in answered["by_language"].items()
                    },
                    "fallback_rate": round(
                        sum(r["at"] == FALLBACK for r in heldout) / len(heldout), 4
                    ),
                    "gibberish_caught": sum(caught),
                }
            )
    return rows


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[str, float]:
    """Runs a Rasa command; returns its stdout and wall time, raising on failure."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} failed:\n{done.stderr[-3000:]}")
    return done.stdout, elapsed


def entity_f1(results: Path) -> dict[str, float]:
    """Weighted entity F1 of each entity extractor's report from `rasa test nlu`."""
    scores = {}
    for path in sorted(results.glob("*_report.json")):
        if path.name not in {"intent_report.json", "response_selection_report.json"}:
            report = json.loads(path.read_text())
            if "weighted avg" in report:
                scores[path.stem.removesuffix("_report")] = round(
                    float(report["weighted avg"]["f1-score"]), 4
                )
    return scores


def entity_outcome(heldout: list[dict[str, Any]]) -> dict[str, int]:
    """Parses with the exact entities (normalised values) expected, and stray entities."""
    named = [r for r in heldout if r["expected_entities"]]
    return {
        "annotated": len(named),
        "exact": sum(r["entities"] == r["expected_entities"] for r in named),
        "stray": sum(bool(r["entities"]) for r in heldout if not r["expected_entities"]),
    }


def data_digest() -> str:
    """A short digest of the training and held-out files, to tell runs on other data apart."""
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "nlu").rglob("*.yml"), *held_out_files()]):
        digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def evaluate(
    name: str, config_yaml: str, rasa_python: Path, work: Path, startup_runs: int
) -> dict[str, Any]:
    """Trains, tests and probes one candidate inside `work`."""
    load_before = [round(value, 2) for value in os.getloadavg()]
    digest = data_digest()
    config = work / "config.yml"
    config.write_text(config_yaml)
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
        "RASA_CACHE_DIRECTORY": str(work / "cache"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONWARNINGS": "ignore",
    }
    rasa = [str(rasa_python), "-m", "rasa"]
    model = work / "models" / f"{name}.tar.gz"
    _, train_s = run(
        [*rasa, "train", "nlu", "--nlu", str(ROOT / "nlu"), "--config", str(config),
         "--out", str(model.parent), "--fixed-model-name", name],
        work,
        env,
    )  # fmt: skip
    results = work / "results"
    _, test_s = run(
        [*rasa, "test", "nlu", "--nlu", str(ROOT / "tests" / "nlu"), "--model", str(model),
         "--out", str(results), "--no-plot"],
        work,
        env,
    )  # fmt: skip
    report = json.loads((results / "intent_report.json").read_text())
    files = [[str(path), path.stem.rsplit("_", 1)[-1]] for path in held_out_files()]
    stdout, _ = run(
        [str(rasa_python), "-c", PROBE, str(model), json.dumps(files), json.dumps(GIBBERISH)],
        work,
        env,
    )
    probe: dict[str, Any] = json.loads(stdout[stdout.rindex("PROBE") + 5 :])
    starts = []
    for _ in range(startup_runs):
        out, wall_s = run([str(rasa_python), "-c", STARTUP, str(model)], work, env)
        starts.append({**json.loads(out[out.rindex("STARTUP") + 7 :]), "process_s": wall_s})
    heldout = probe["heldout"]
    for row in heldout:
        row["undone"] = row["raw"][0][0] if row["raw"] else FALLBACK
    latencies = sorted(row["ms"] for row in heldout)
    return {
        "description": CANDIDATES[name][0],
        "config": config_yaml,
        "intent_f1_rasa": {
            "weighted": round(float(report["weighted avg"]["f1-score"]), 4),
            "macro": round(float(report["macro avg"]["f1-score"]), 4),
            # Rasa merges the files and drops repeated examples (text and intent alike).
            "examples": int(report["weighted avg"]["support"]),
        },
        "intent_f1_rasa_recomputed": score(heldout, "undone"),
        "intent_f1_answered": score(heldout, "intent"),
        "entity_f1_weighted": entity_f1(results),
        "language_entity": entity_outcome(heldout),
        "heldout_examples": len(heldout),
        "train_s": round(train_s, 1),
        "test_nlu_s": round(test_s, 1),
        "model_mb": round(model.stat().st_size / 2**20, 2),
        # Cold starts in fresh interpreters, the fastest of `startup_runs` (the machine is
        # shared, so the minimum is the least disturbed); process_s includes exiting.
        **{
            key: round(min(start[key] for start in starts), 2 if key.endswith("_s") else 1)
            for key in ("import_s", "load_s", "first_parse_ms", "process_s")
        },
        "startup_runs": len(starts),
        "parse_ms_p50": round(statistics.median(latencies), 1),
        "parse_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
        "tensorflow_imported": probe["tensorflow_imported"],
        "load_average_before": load_before,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "data_digest": digest,
        "gibberish": {
            text: {"intent": g["intent"], "confidence": g["confidence"], "raw_top": g["raw"][:1]}
            for text, g in probe["gibberish"].items()
        },
        "misses": [
            [r["language"], r["text"], r["truth"], r["undone"]]
            for r in heldout
            if r["undone"] != r["truth"]
        ],
        "fallback_sweep": sweep(probe),
    }


def held_out_files() -> list[Path]:
    """tests/nlu's files, one per language (holdout_fi.yml and so on)."""
    return sorted((ROOT / "tests" / "nlu").glob("*.yml"))


def main(argv: list[str] | None = None) -> int:
    """Evaluates the chosen candidates one after another and writes the results as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa-python", type=Path, default=ROOT / ".venv-rasa/bin/python")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/nlu_pipelines.json")
    parser.add_argument("--only", nargs="+", choices=sorted(CANDIDATES), help="these candidates")
    parser.add_argument("--startup-runs", type=int, default=3, help="cold starts to time")
    args = parser.parse_args(argv)
    rasa_python = (
        args.rasa_python if args.rasa_python.is_absolute() else Path.cwd() / args.rasa_python
    )
    results: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    results.setdefault("candidates", {})
    for name in args.only or list(CANDIDATES):
        print(f"[nlu_pipelines] {name}: {CANDIDATES[name][0]}", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="apuri-nlu-") as tmp:
            results["candidates"][name] = evaluate(
                name, CANDIDATES[name][1], rasa_python, Path(tmp), args.startup_runs
            )
        summary = {k: v for k, v in results["candidates"][name].items() if k.startswith("intent")}
        print(json.dumps(summary), file=sys.stderr, flush=True)
    results["cpus"] = os.cpu_count()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
