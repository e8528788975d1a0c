"""Whether the best services answer a query: a logistic calibration of the fused scores.

Absolute e5 cosines say little (they sit in a narrow band for any text), so the features
are relative: the top score, itself a z-score against all services (plus lexical evidence
in hybrid mode), its margin over the fifth best, and the lexical part of the top
service's score. A question about one service lifts it clear of the rest and shares
words with it; weather, sports or jokes lift many unrelated services a little and share
no words with any. Coefficients were fitted by `benchmarks/kb_eval.py --fit` on the dev
split of the dev set only, with in- and out-of-scope questions weighed equally.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
MARGIN_RANK = 5


@dataclass(frozen=True)
class Features:
    """What the calibration reads from one query's scores."""

    top: float
    margin: float
    lexical: float


@dataclass(frozen=True)
class Calibration:
    """`sigmoid(top_weight * top + margin_weight * margin + lexical_weight * lexical + bias)`."""

    top_weight: float
    margin_weight: float
    lexical_weight: float
    bias: float
    threshold: float = 0.5


def features(scores: NDArray[np.float32], lexical: NDArray[np.float32] | None) -> Features:
    """The top score, its margin over the score ranked `MARGIN_RANK`, the top's lexical part."""
    if len(scores) == 0:
        return Features(0.0, 0.0, 0.0)
    count = min(MARGIN_RANK, len(scores))
    best = np.argpartition(-scores, count - 1)[:count]
    ordered = best[np.argsort(-scores[best], kind="stable")]
    top = int(ordered[0])
    return Features(
        top=float(scores[top]),
        margin=float(scores[top] - scores[ordered[-1]]),
        lexical=float(lexical[top]) if lexical is not None else 0.0,
    )


def confidence(found: Features, calibration: Calibration) -> float:
    """The calibrated probability that the best-scored service answers the query."""
    logit = (
        calibration.top_weight * found.top
        + calibration.margin_weight * found.margin
        + calibration.lexical_weight * found.lexical
        + calibration.bias
    )
    return 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))


DEFAULT_CALIBRATIONS: dict[Mode, Calibration] = {
    "hybrid": Calibration(
        top_weight=1.106, margin_weight=-0.067, lexical_weight=1.985, bias=-8.622
    ),
    "dense": Calibration(top_weight=2.414, margin_weight=-0.386, lexical_weight=0.0, bias=-9.437),
    "lexical": Calibration(top_weight=4.474, margin_weight=0.132, lexical_weight=0.0, bias=-7.711),
}
