"""The e5 featurizer, run inside the Rasa interpreter (Rasa is never imported here)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
Result = dict[str, Any]
RASA_PYTHON = Path(os.environ.get("APURI_RASA_PYTHON", ROOT / ".venv-rasa" / "bin" / "python"))

SCRIPT = """
import json
import numpy as np
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from assistant.rasa_plugins.e5_featurizer import E5Featurizer

tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
featurizer = E5Featurizer({**E5Featurizer.get_default_config(), "batch_size": 2}, "e5")
texts = ["haluan varata saunavuoron", "jag vill boka en bastutur", "mikä on huomisen sää", ""]
messages = [Message(data={"text": t}) for t in texts]
data = TrainingData(training_examples=messages)
tokenizer.process_training_data(data)
featurizer.process_training_data(data)
again = [Message(data={"text": texts[0]})]
tokenizer.process(again)
featurizer.process(again)
out = {"sentence": [], "sequence_shapes": [], "dense_counts": []}
for m in messages:
    seq, sent = m.get_dense_features("text")
    out["dense_counts"].append(0 if sent is None else 1)
    if sent is not None:
        out["sentence"].append(sent.features[0].tolist())
        out["sequence_shapes"].append(list(seq.features.shape))
out["again"] = again[0].get_dense_features("text")[1].features[0].tolist()
print("RESULT" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def result() -> Result:
    if not RASA_PYTHON.exists():
        pytest.fail(f"{RASA_PYTHON} is missing: run 'make setup' (or set APURI_RASA_PYTHON)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["RASA_TELEMETRY_ENABLED"] = "false"
    run = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    parsed: Result = json.loads(run.stdout[run.stdout.index("RESULT") + 6 :])
    return parsed


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = sum(x * x for x in a) ** 0.5 * sum(y * y for y in b) ** 0.5
    return float(dot / norm)


def test_each_message_with_text_gets_a_384_dimensional_sentence_feature(result: Result) -> None:
    assert result["dense_counts"] == [1, 1, 1, 0], "the empty message gets no features"
    assert all(len(vector) == 384 for vector in result["sentence"])


def test_sequence_features_have_one_row_per_token(result: Result) -> None:
    assert result["sequence_shapes"] == [[3, 384], [5, 384], [4, 384]]


def test_a_translation_is_closer_than_an_unrelated_sentence(result: Result) -> None:
    finnish, swedish, weather = result["sentence"]
    assert cosine(finnish, swedish) > cosine(finnish, weather)


def test_features_are_deterministic(result: Result) -> None:
    assert cosine(result["again"], result["sentence"][0]) > 0.9999
