"""Per-service scores from passage and document scores, and their hybrid fusion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float32]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class FusionParams:
    """How dense and lexical evidence are weighed (tuned on the dev split of the dev set).

    The dense score of a service is its best passage's cosine as a z-score against all
    services for this query: raw e5 cosines sit in a narrow band that shifts with the
    query, the z-score does not. BM25 is squashed to 0..1 by `s / (s + saturation)`, so
    one weak word match counts little and strong matches cannot swamp the dense score.
    Documents in other languages than the asked one count `other_language` times their
    BM25 (names such as "Hitas" or "Wilma" are the same in every language). Services
    only for companies and associations lose `organisation_penalty` unless the question
    speaks of a company or an association: residents ask, so "pysäköintitunnus" means
    the resident's permit first. The names in other languages of an ontology topic the
    question names (`knowledge_base.glossary`) count `glossary_weight` times their BM25
    in those languages. BM25 of Apuri's search words (rows standing in for languages a
    service lacks) counts `search_words_weight` times, below the register's own text.
    """

    stem_weight: float = 1.0
    stem_saturation: float = 8.0
    gram_weight: float = 3.0
    gram_saturation: float = 20.0
    other_language: float = 0.5
    organisation_penalty: float = 1.5
    glossary_weight: float = 0.5
    search_words_weight: float = 0.7


@dataclass(frozen=True)
class ServiceScores:
    """Every service's evidence for one query."""

    dense_z: Floats
    stems: Floats
    grams: Floats

    def hybrid(self, params: FusionParams) -> Floats:
        """Dense z-score plus the weighted, squashed BM25 scores."""
        result: Floats = self.dense_z + self.lexical(params)
        return result

    def lexical(self, params: FusionParams) -> Floats:
        """Both BM25 scores alone, squashed and weighted as in `hybrid`."""
        stems = params.stem_weight * saturate(self.stems, params.stem_saturation)
        grams = params.gram_weight * saturate(self.grams, params.gram_saturation)
        result: Floats = (stems + grams).astype(np.float32)
        return result


def max_by_group(values: Floats, groups: Ints, size: int, empty: float) -> Floats:
    """The largest value of each group (`empty` where a group has none)."""
    result = np.full(size, empty, dtype=np.float32)
    np.maximum.at(result, groups, values)
    return result


def z_scores(values: Floats) -> Floats:
    """`values` centred on their mean, in units of their standard deviation."""
    std = float(values.std())
    result: Floats = ((values - values.mean()) / (std if std > 1e-9 else 1.0)).astype(np.float32)
    return result


def saturate(scores: Floats, saturation: float) -> Floats:
    """BM25 scores mapped to 0..1: `s / (s + saturation)`."""
    return (scores / (scores + saturation)).astype(np.float32)
