"""The ontology glossary: which topic a question names, and its names in other languages."""

from __future__ import annotations

import pytest

from knowledge_base.glossary import Glossary, default_terms_path, read_terms
from texts import Language

TERMS: list[dict[Language, str]] = [
    {"fi": "toimintaterapia", "sv": "ergoterapi", "en": "occupational therapy"},
    {
        "fi": "iäkkäiden omaishoidon tuki",
        "sv": "stöd för närståendevård för äldre",
        "en": "support for informal care for seniors",
    },
    {"fi": "tuki", "sv": "stöd", "en": "support"},
    {"fi": "IT", "sv": "IT", "en": "IT"},
    {
        "fi": "sisätilojen tuholaiset (ympäristöterveydenhuolto)",
        "sv": "skadedjur inomhus (miljöhälsovård)",
        "en": "indoor pests (environmental health care)",
    },
]


@pytest.fixture(scope="module")
def small() -> Glossary:
    return Glossary(TERMS)


def test_a_topic_named_in_the_question_is_translated(small: Glossary):
    assert small.translations("occupational therapy for my son", "en") == {
        "fi": "toimintaterapia",
        "sv": "ergoterapi",
    }
    assert small.translations("ergoterapin telefon", "sv")["fi"] == "toimintaterapia"


def test_inflected_and_compounded_forms_match(small: Glossary):
    # "närståendevården" carries "närståendevård"; the parenthesised qualifier is not needed.
    term = small.best_term("hur söker man stöd för närståendevården för äldre", "sv")
    assert term is not None and term["fi"] == "iäkkäiden omaishoidon tuki"
    pests = small.best_term("skadedjur inomhus i min lägenhet", "sv")
    assert pests is not None and pests["en"].startswith("indoor pests")


def test_the_longest_contained_topic_wins(small: Glossary):
    term = small.best_term("support for informal care for seniors", "en")
    assert term is not None and term["fi"] == "iäkkäiden omaishoidon tuki"


def test_a_topic_only_partly_named_does_not_count(small: Glossary):
    # One word of a five-word topic name is not that topic.
    assert small.best_term("care for my garden", "en") is None
    assert small.translations("what is the weather tomorrow", "en") == {}


def test_very_short_names_are_not_translated(small: Glossary):
    assert small.best_term("IT", "en") is None


def test_the_shipped_glossary_covers_the_ontology():
    terms = read_terms(default_terms_path())
    assert len(terms) > 1800
    assert all(term["fi"] and term["sv"] and term["en"] for term in terms)
    glossary = Glossary(terms)
    found = glossary.translations("hittegodsservice vid stationen", "sv")
    assert found == {"fi": "löytötavarapalvelu", "en": "lost property service"}
