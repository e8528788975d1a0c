"""E5Featurizer inside real Rasa 3.6.

Rasa cannot be imported here (Python 3.11, warnings as errors), so a small script runs the
component under Rasa's interpreter (APURI_RASA_PYTHON, default .venv-rasa/bin/python) and
prints what it produced as JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from tests.rasa_plugins.in_rasa import run_in_rasa

FINNISH = "Haluan varata saunavuoron uimahallista huomiseksi"
SWEDISH = "Jag vill boka en bastutur i simhallen till i morgon"
UNRELATED = "Mikä on Marsin pinta-ala neliökilometreinä?"

SCRIPT = """
import json, sys
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from assistant.rasa_plugins.e5_featurizer import E5Featurizer

texts = json.loads(sys.argv[1])
storage = LocalModelStorage(sys.argv[2])
context = ExecutionContext(GraphSchema({}), "e5")
def build(component, **config):
    return component.create(
        {**component.get_default_config(), **config}, storage, Resource("r"), context
    )
tokenizer = build(WhitespaceTokenizer)

def features(messages):
    out = []
    for message in messages:
        sequence, sentence = message.get_dense_features(TEXT)
        other = [f.attribute for f in message.features if f.attribute != TEXT]
        out.append({
            "tokens": len(message.get("text_tokens")),
            "sequence_shape": list(sequence.features.shape),
            "sequence_nonzero": bool(sequence.features.any()),
            "sentence_shape": list(sentence.features.shape),
            "sentence": sentence.features[0].tolist(),
            "dtype": str(sentence.features.dtype),
            "other_attributes": other,
        })
    return out

def run(**config):
    featurizer = build(E5Featurizer, **config)
    # Inference: two messages through process().
    inference = [Message(data={TEXT: t}) for t in texts[:2]]
    tokenizer.process(inference)
    featurizer.process(inference)
    # Training: every text, with an intent, batched through process_training_data().
    examples = [Message(data={TEXT: t, "intent": "x"}) for t in texts]
    data = TrainingData(examples)
    tokenizer.process_training_data(data)
    featurizer.process_training_data(data)
    # A message without text (a button payload's intent only) gets no features.
    empty = Message(data={"intent": "x"})
    featurizer.process([empty])
    return {
        "inference": features(inference),
        "training": features(examples),
        "empty_features": len(empty.features),
    }

rejected = []
for bad in ({"variant": "nope"}, {"batch_size": 0}, {"scale": 0}):
    try:
        E5Featurizer.validate_config({**E5Featurizer.get_default_config(), **bad})
    except InvalidConfigException:
        rejected.append(bad)
print(json.dumps({
    "first": run(), "second": run(batch_size=2), "scaled": run(scale=10), "rejected": rejected
}))
"""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir = tmp_path_factory.mktemp("e5")
    texts = json.dumps([FINNISH, SWEDISH, UNRELATED])
    return run_in_rasa(SCRIPT, texts, str(workdir / "storage"), workdir=workdir)


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_features_have_384_dimensions_and_one_sequence_row_per_token(result):
    for message in result["first"]["inference"] + result["first"]["training"]:
        assert message["sentence_shape"] == [1, 384]
        assert message["sequence_shape"] == [message["tokens"], 384]
        assert message["dtype"] == "float32"
        # The sequence rows are zeros: e5 describes the whole message, not its tokens.
        assert not message["sequence_nonzero"]
        assert message["other_attributes"] == []
        assert math.sqrt(sum(x * x for x in message["sentence"])) == pytest.approx(1.0, abs=1e-4)


def test_a_message_without_text_gets_no_features(result):
    assert result["first"]["empty_features"] == 0


def test_a_translation_is_closer_than_an_unrelated_sentence(result):
    finnish, swedish, unrelated = (m["sentence"] for m in result["first"]["training"])
    assert cosine(finnish, swedish) > cosine(finnish, unrelated) + 0.02
    assert cosine(finnish, swedish) > cosine(swedish, unrelated) + 0.02


def test_features_are_deterministic_and_batching_changes_nothing(result):
    first, second = result["first"], result["second"]
    assert first == second
    # A message gets the same features at inference (one at a time) as in training (batched).
    for single, batched in zip(first["inference"], first["training"], strict=False):
        assert single["sentence"] == batched["sentence"]


def test_scale_multiplies_the_embedding_and_bad_configs_are_rejected(result):
    for plain, scaled in zip(
        result["first"]["training"], result["scaled"]["training"], strict=True
    ):
        assert scaled["sentence"] == pytest.approx([10 * x for x in plain["sentence"]], rel=1e-5)
    assert len(result["rejected"]) == 3
