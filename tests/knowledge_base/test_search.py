"""Retrieval on the real index: fixed questions per language, cross-lingual fallback,
out-of-scope refusal, answer cards, threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from knowledge_base.search import ServiceSearch

QUESTIONS = [
    ("fi", "mistä saan asukaspysäköintitunnuksen?", {4217}),
    ("fi", "auto hinattiin pois, mistä löydän sen", {4814}),
    ("fi", "kirjastojen aukioloajat", {5806}),
    ("fi", "hevossairaalan puhelinnumero", {5445}),
    ("sv", "hur ansöker jag om dagvård", {4512, 4946, 4948, 4943}),
    ("sv", "parkeringsbot överklaga", {520}),
    ("sv", "båtplats ansökan", {5663, 5664}),
    ("sv", "jag är bostadslös vad gör jag", {5073, 5294}),
    ("en", "my car got towed where is it", {4814}),
    ("en", "cancel my dentist appointment", {562}),
    ("en", "selling my hitas flat max price", {4955, 5144}),
    ("en", "beach water quality algae", {5671}),
]

OUT_OF_SCOPE = [
    ("fi", "millainen sää on huomenna helsingissä"),
    ("fi", "kuka voitti jääkiekon mm-kultaa"),
    ("sv", "berätta ett skämt"),
    ("sv", "vem vann fotbolls-VM"),
    ("en", "tell me a joke"),
    ("en", "who won the champions league"),
    ("en", "recipe for pancakes"),
]


@pytest.mark.parametrize(("lang", "query", "expected"), QUESTIONS)
def test_finds_the_service(search: ServiceSearch, lang: str, query: str, expected: set[int]):
    result = search.search(query, lang, k=5)
    ids = [hit.service_id for hit in result.results]
    assert expected & set(ids[:3]), (query, ids)
    assert result.lang == lang
    assert [hit.card.lang for hit in result.results if hit.card.fallback_lang is None] == [
        lang for hit in result.results if hit.card.fallback_lang is None
    ]


def test_most_clear_questions_are_answered(search: ServiceSearch):
    # The calibration favours refusing out-of-scope questions (>= 90 %), so a few real
    # questions with little word overlap come out unanswered, their services still listed.
    answered = [search.search(q, lang).answered for lang, q, _ in QUESTIONS]
    assert sum(answered) >= 9


@pytest.mark.parametrize(("lang", "query"), OUT_OF_SCOPE)
def test_out_of_scope_is_not_answered(search: ServiceSearch, lang: str, query: str):
    result = search.search(query, lang)
    assert not result.answered, (query, result.confidence, result.results[0].name)
    assert 0.0 <= result.confidence < 0.5


def test_service_without_english_answers_an_english_question(search: ServiceSearch):
    # Service 2226 ("Sähköinen Wilma-järjestelmä") exists in Finnish only.
    result = search.search("Wilma electronic system", "en", k=5)
    hit = next(h for h in result.results if h.service_id == 2226)
    assert hit.card.fallback_lang == "fi"
    assert hit.card.lang == "fi"
    assert hit.name == "Sähköinen Wilma-järjestelmä"


def test_swedish_question_finds_a_service_without_swedish_text(search: ServiceSearch):
    # Service 5393 (informal care support) has Finnish and English text, no Swedish.
    result = search.search("omaishoidon tuki närståendevård", "sv", k=5)
    hit = next(h for h in result.results if h.service_id == 5393)
    assert hit.card.fallback_lang == "fi"


def test_answer_card_structure(search: ServiceSearch):
    horse = search.get_service(5445, "en")
    assert horse is not None
    assert horse.name == "Equine Hospital contact information"
    assert horse.fallback_lang is None
    assert horse.phones[0].number == "029 41 57350"
    assert horse.phones[0].hours
    assert horse.visiting_address == "Koetilankuja 1, 00790 Helsinki"
    parking = search.get_service(4217, "sv")
    assert parking is not None
    assert parking.eservice is not None
    assert parking.eservice.url.startswith("http")
    assert parking.summary.count(". ") <= 1
    assert len(parking.summary) <= 320


def test_get_service_falls_back_and_knows_unknown_ids(search: ServiceSearch):
    card = search.get_service(4091, "sv")  # lost property: Finnish only
    assert card is not None
    assert (card.lang, card.fallback_lang) == ("fi", "fi")
    assert search.get_service(1, "fi") is None


def test_language_is_guessed_when_not_given(search: ServiceSearch):
    assert search.search("hur ansöker jag om dagvård").lang == "sv"
    assert search.search("where can I borrow ebooks").lang == "en"
    assert search.search("missä on lähin kirjasto").lang == "fi"


def test_empty_query(search: ServiceSearch):
    result = search.search("   ", "fi")
    assert not result.answered
    assert result.results == ()


def test_modes_rank_differently_but_all_work(search: ServiceSearch):
    for mode in ("hybrid", "dense", "lexical"):
        result = search.search("venepaikka haku", "fi", mode=mode)
        assert {5663, 5664} & {hit.service_id for hit in result.results}


def test_search_is_thread_safe(search: ServiceSearch):
    queries = [(q, lang) for lang, q, _ in QUESTIONS] * 3
    expected = [search.search(q, lang).results[0].service_id for q, lang in queries]
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda args: search.search(*args).results[0].service_id, queries))
    assert got == expected


def test_another_towns_service_is_not_answered_as_helsinkis(search: ServiceSearch) -> None:
    result = search.search("espoon kirjaston aukioloajat", "fi")
    assert not result.answered
    assert result.results, "the closest Helsinki services are still listed"
    assert search.search("helsingin kirjastojen aukioloajat", "fi").answered


@pytest.mark.parametrize(
    ("lang", "query", "service_id"),
    [
        # Described in Finnish only; found through Apuri's search words.
        ("en", "where do I ask about lost property", 4091),
        ("en", "can my child start first grade later", 5190),
        ("sv", "hitta borttappade nycklar", 4091),
        # Swedish "ergoterapi" is the ontology's name for "toimintaterapia".
        ("sv", "ergoterapi för mitt barn", 5059),
    ],
)
def test_services_in_finnish_only_answer_other_languages(
    search: ServiceSearch, lang: str, query: str, service_id: int
):
    result = search.search(query, lang, k=5)
    hit = next(h for h in result.results if h.service_id == service_id)
    assert hit.card.fallback_lang == "fi"
    assert hit.card.translated_name, "Apuri's rendering of the name is given"
