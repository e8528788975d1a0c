"""Evaluates the knowledge-base search on `benchmarks/kb_devset.jsonl`.

For dense only, lexical only and hybrid retrieval it reports recall@1, recall@5, MRR@10
and the out-of-scope refusal rate per language, separately for the dev split (used for
tuning the fusion weights and fitting the confidence calibration) and the held-out split
(topics never looked at while tuning), plus the latency of a hybrid query after warm-up.
Writes `benchmarks/results/kb_eval.json` and prints a markdown table.

    python -m benchmarks.kb_eval            # evaluate
    python -m benchmarks.kb_eval --fit      # also fit the calibration on the dev split
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from knowledge_base.analysis import names_other_municipality
from knowledge_base.confidence import MODES, Calibration, Features, Mode, confidence
from knowledge_base.embedders import DEFAULT_EMBEDDER, make_embedder
from knowledge_base.search import ServiceSearch
from texts import LANGUAGES

HERE = Path(__file__).resolve().parent
DEVSET = HERE / "kb_devset.jsonl"
RESULTS = HERE / "results" / "kb_eval.json"
SPLITS = ("dev", "heldout", "all")
GROUPS = (*LANGUAGES, "all")
DEPTH = 10


@dataclass(frozen=True)
class Case:
    """One dev-set question and the services that answer it (none: out of scope)."""

    id: str
    lang: str
    query: str
    service_ids: frozenset[int]
    split: str


@dataclass(frozen=True)
class Outcome:
    """What one mode made of one case."""

    case: Case
    rank: int | None
    answered: bool
    features: Features


def load_cases(path: Path) -> list[Case]:
    """The cases of a dev-set file."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            cases.append(
                Case(
                    id=raw["id"],
                    lang=raw["lang"],
                    query=raw["query"],
                    service_ids=frozenset(raw["service_ids"]),
                    split=raw["split"],
                )
            )
    return cases


def run_mode(search: ServiceSearch, cases: list[Case], mode: Mode) -> list[Outcome]:
    """Searches every case with `mode`."""
    outcomes = []
    for case in cases:
        result = search.search(case.query, case.lang, k=DEPTH, mode=mode)
        ids = [hit.service_id for hit in result.results]
        rank = next((i + 1 for i, sid in enumerate(ids) if sid in case.service_ids), None)
        _, found = search.rank(result.query, result.lang, mode)
        outcomes.append(Outcome(case, rank, result.answered, found))
    return outcomes


def metrics(outcomes: list[Outcome]) -> dict[str, Any]:
    """Recall@1, recall@5, MRR@10, answered rate; refusal rate of out-of-scope cases."""
    inside = [o for o in outcomes if o.case.service_ids]
    outside = [o for o in outcomes if not o.case.service_ids]
    result: dict[str, Any] = {"n": len(inside), "oos_n": len(outside)}
    if inside:
        result["recall@1"] = round(sum(o.rank == 1 for o in inside) / len(inside), 3)
        result["recall@5"] = round(
            sum(o.rank is not None and o.rank <= 5 for o in inside) / len(inside), 3
        )
        result["mrr"] = round(sum(1 / o.rank for o in inside if o.rank) / len(inside), 3)
        result["answered"] = round(sum(o.answered for o in inside) / len(inside), 3)
    if outside:
        result["oos_refused"] = round(sum(not o.answered for o in outside) / len(outside), 3)
    return result


def breakdown(outcomes: list[Outcome]) -> dict[str, dict[str, Any]]:
    """`metrics` per split and language."""
    table: dict[str, dict[str, Any]] = {}
    for split in SPLITS:
        table[split] = {}
        for group in GROUPS:
            chosen = [
                o
                for o in outcomes
                if (split == "all" or o.case.split == split) and group in ("all", o.case.lang)
            ]
            table[split][group] = metrics(chosen)
    return table


def fit_calibration(outcomes: list[Outcome], steps: int = 200) -> Calibration:
    """Logistic regression of the features on the dev split, classes weighed equally.

    Positive: an in-scope question whose answer is in the top five; negative: an
    out-of-scope question or one whose answer was not found.
    """
    dev = [o for o in outcomes if o.case.split == "dev"]
    x = np.array(
        [[o.features.top, o.features.margin, o.features.lexical, 1.0] for o in dev],
        dtype=np.float64,
    )
    y = np.array([bool(o.case.service_ids) and o.rank is not None and o.rank <= 5 for o in dev])
    weights = np.where(y, 0.5 / max(y.sum(), 1), 0.5 / max((~y).sum(), 1)) * len(y)
    beta = np.zeros(x.shape[1])
    ridge = 1e-2 * np.eye(x.shape[1])
    for _ in range(steps):  # Newton's method with a little ridge
        p = 1 / (1 + np.exp(-(x @ beta)))
        gradient = x.T @ (weights * (p - y)) + ridge @ beta
        hessian = (x * (weights * p * (1 - p))[:, None]).T @ x + ridge
        beta -= np.linalg.solve(hessian, gradient)
    return Calibration(
        top_weight=round(float(beta[0]), 3),
        margin_weight=round(float(beta[1]), 3),
        lexical_weight=round(float(beta[2]), 3),
        bias=round(float(beta[3]), 3),
    )


def sweep(outcomes: list[Outcome], calibration: Calibration) -> list[dict[str, Any]]:
    """For thresholds 0.20-0.60 on the dev split: how many in-scope questions are answered
    (and answered with the right service first) against how many out-of-scope are refused."""
    dev = [o for o in outcomes if o.case.split == "dev"]
    rows = []
    for step in range(20, 61, 5):
        threshold = step / 100
        row: dict[str, Any] = {"threshold": threshold}
        for lang in (*LANGUAGES, "all"):
            group = [o for o in dev if lang in ("all", o.case.lang)]

            def said(o: Outcome, t: float = threshold) -> bool:
                return confidence(o.features, calibration) >= t and not names_other_municipality(
                    o.case.query
                )

            inside = [o for o in group if o.case.service_ids]
            outside = [o for o in group if not o.case.service_ids]
            row[lang] = {
                "answered": round(sum(said(o) for o in inside) / len(inside), 3),
                "answered_right": round(
                    sum(said(o) and o.rank == 1 for o in inside) / len(inside), 3
                ),
                "oos_refused": round(sum(not said(o) for o in outside) / len(outside), 3),
            }
        rows.append(row)
    return rows


def latency(search: ServiceSearch, cases: list[Case], rounds: int) -> dict[str, Any]:
    """Milliseconds per hybrid search after warm-up: first sight of each query, then cached
    (everything but the model), and the model alone (one query embedded)."""
    queries = [(case.query, case.lang) for case in cases]
    for query, lang in queries[:5]:
        search.search(query + " ?", lang)
    first: list[float] = []
    for query, lang in queries:
        started = time.perf_counter()
        search.search(query, lang)
        first.append((time.perf_counter() - started) * 1000)
    cached: list[float] = []
    for _ in range(rounds):
        for query, lang in queries:
            started = time.perf_counter()
            search.search(query, lang)
            cached.append((time.perf_counter() - started) * 1000)
    model: list[float] = []
    for query, _ in queries:
        started = time.perf_counter()
        search.embedder.embed_queries([query])
        model.append((time.perf_counter() - started) * 1000)

    def summary(values: list[float]) -> dict[str, float]:
        array: NDArray[np.float64] = np.array(values)
        return {
            "p50": round(float(np.percentile(array, 50)), 2),
            "p99": round(float(np.percentile(array, 99)), 2),
            "mean": round(statistics.fmean(values), 2),
        }

    return {
        "queries": len(queries),
        "uncached": summary(first),
        "cached": summary(cached),
        "model_only": summary(model),
    }


def markdown(report: dict[str, Any]) -> str:
    """The report as a markdown table, one row per mode, split and language."""
    lines = [
        "| mode | split | lang | n | R@1 | R@5 | MRR | in-scope answered | OOS n | OOS refused |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for mode in MODES:
        for split in SPLITS:
            for group in GROUPS:
                m = report["modes"][mode][split][group]
                lines.append(
                    f"| {mode} | {split} | {group} | {m['n']} | {m.get('recall@1', '-')} | "
                    f"{m.get('recall@5', '-')} | {m.get('mrr', '-')} | {m.get('answered', '-')} | "
                    f"{m['oos_n']} | {m.get('oos_refused', '-')} |"
                )
    lat = report["latency_ms"]
    machine = report["machine"]
    lines.append("")
    lines.append(
        f"Hybrid latency over {lat['queries']} queries after warm-up: "
        f"p50 {lat['uncached']['p50']} ms, p99 {lat['uncached']['p99']} ms "
        f"(query embedding cached: p50 {lat['cached']['p50']} ms, p99 {lat['cached']['p99']} ms; "
        f"the model alone: p50 {lat['model_only']['p50']} ms); {machine['cpus']} CPUs, "
        f"{machine['embedding_threads']} embedding thread(s), "
        f"load average {machine['load_average_before'][0]}."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Runs the evaluation; returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--devset", type=Path, default=DEVSET)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    parser.add_argument("--fit", action="store_true", help="fit the calibration on the dev split")
    parser.add_argument("--rounds", type=int, default=2, help="cached latency rounds")
    parser.add_argument("--threads", type=int, default=1, help="embedding threads (default 1)")
    args = parser.parse_args(argv)

    embedder = make_embedder(args.embedder, threads=args.threads)
    search = ServiceSearch.open(args.index_dir, embedder, progress=True)
    cases = load_cases(args.devset)
    report: dict[str, Any] = {
        "devset": str(args.devset.name),
        "cases": len(cases),
        "index": search.index.manifest.model_dump(),
        "machine": {
            "cpus": os.cpu_count(),
            "embedding_threads": args.threads,
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
        "latency_ms": latency(search, cases, args.rounds),
        "modes": {},
    }
    report["machine"]["load_average_after_latency"] = [round(x, 2) for x in os.getloadavg()]
    fitted: dict[str, Any] = {}
    for mode in MODES:
        outcomes = run_mode(search, cases, mode)
        report["modes"][mode] = breakdown(outcomes)
        if args.fit:
            fitted[mode] = fit_calibration(outcomes).__dict__
        if mode == "hybrid":
            report["threshold_sweep_dev"] = sweep(outcomes, search.calibrations[mode])
    if fitted:
        report["fitted_calibrations"] = fitted
        print("fitted on the dev split:", json.dumps(fitted, indent=2))
    report["calibrations"] = {mode: cal.__dict__ for mode, cal in search.calibrations.items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
