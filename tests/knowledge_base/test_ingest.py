"""Ingest on the real data: every service, every language it has, and nothing of HTML."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from knowledge_base.ingest import (
    data_sha256,
    default_data_path,
    default_search_words_path,
    load_documents,
    load_search_words,
    service_documents,
)
from knowledge_base.models import ServiceDocument
from knowledge_base.passages import lexical_text, passages

_HTML = re.compile(r"<[a-zA-Z/!][^>]*>|&[a-zA-Z]+;|&#\d+;")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


@pytest.fixture(scope="module")
def documents() -> list[ServiceDocument]:
    return load_documents(default_data_path())


def _texts(doc: ServiceDocument) -> list[str]:
    texts = [doc.name, doc.description, doc.how_to_apply, doc.information, doc.cost]
    texts += list(doc.synonyms)
    for channel in doc.channels:
        texts += [channel.name, channel.address, channel.call_charge, *channel.hours]
    return texts


def test_every_service_appears(documents: list[ServiceDocument], records: list[dict[str, Any]]):
    assert {d.service_id for d in documents} == {r["id"] for r in records}
    assert len(records) == 478


def test_documents_per_language_match_the_source(
    documents: list[ServiceDocument], records: list[dict[str, Any]]
):
    expected = Counter(lang for r in records for lang in r["languages_present"])
    assert Counter(d.lang for d in documents) == expected
    assert expected == {"fi": 478, "sv": 403, "en": 398}
    for record in records[:50]:
        langs = [d.lang for d in documents if d.service_id == record["id"]]
        assert sorted(langs) == sorted(record["languages_present"])


def test_no_html_or_invisible_characters_left(documents: list[ServiceDocument]):
    for doc in documents:
        for text in _texts(doc):
            assert not _HTML.search(text), (doc.service_id, doc.lang, text[:80])
            assert not _INVISIBLE.search(text), (doc.service_id, doc.lang)


def test_html_in_a_record_is_cleaned():
    record = {
        "id": 1,
        "type": "ADVICE",
        "names": {"fi": "Neuvonta\u200b", "en": "<b>Advice</b>"},
        "descriptions": {"en": "<p>First&nbsp;line.</p><p>Second &amp; last.</p>"},
        "channels": [
            {"type": "TELEPHONE", "phone": "09 310 1", "opening_hours": {"fi": ["ma-pe 9-16"]}}
        ],
    }
    fi, en = service_documents(record)
    assert fi.name == "Neuvonta"
    assert en.name == "Advice"
    assert en.description == "First line.\n\nSecond & last."
    assert en.channels[0].hours == ("ma-pe 9-16",)  # falls back to the Finnish hours


def test_structure_is_kept(documents: list[ServiceDocument]):
    horse = next(d for d in documents if d.service_id == 5445 and d.lang == "fi")
    phones = [c for c in horse.channels if c.phone]
    assert phones[0].phone == "029 41 57350"
    assert phones[0].hours == ("Avoinna ma-pe 08-16",)
    assert any(c.address == "Koetilankuja 1, 00790 Helsinki" for c in horse.channels)
    parking = next(d for d in documents if d.service_id == 4217 and d.lang == "sv")
    assert parking.name.startswith("Köp boendeparkeringstillstånd")
    assert any(c.kind == "ESERVICE" and c.links for c in parking.channels)


def test_passages_are_short_and_named(documents: list[ServiceDocument]):
    for doc in documents:
        texts = passages(doc)
        assert texts[0].startswith(doc.name)
        assert all(len(t) <= 600 for t in texts)
        assert doc.name in lexical_text(doc)


def test_data_hash_is_of_the_content(tmp_path):
    plain = tmp_path / "a.jsonl"
    plain.write_text('{"id": 1}\n')
    assert len(data_sha256(plain)) == 64
    assert data_sha256(default_data_path()) == data_sha256(default_data_path())


def test_search_words_cover_every_language_the_register_lacks(
    documents: list[ServiceDocument], records: list[dict[str, Any]]
):
    words = load_search_words(default_search_words_path(), documents)
    covered = {(w.service_id, w.lang) for w in words}
    missing = {
        (r["id"], lang) for r in records for lang in ("sv", "en") if not r["names"].get(lang)
    }
    assert covered == missing
    assert len(covered) == 155
    for entry in words:
        assert 1 <= len(entry.words) <= 6
        assert all(word and word == word.strip() for word in entry.words)


def test_search_words_only_where_the_register_has_no_text(tmp_path):
    documents = [
        ServiceDocument(service_id=1, lang="fi", kind="", name="Neuvonta"),
        ServiceDocument(service_id=1, lang="sv", kind="", name="Rådgivning"),
    ]
    path = tmp_path / "words.jsonl"
    lines = [
        '{"service_id": 1, "sv": ["Råd"], "en": ["Advice", " advice line ", "Advice"]}',
        '{"service_id": 2, "en": ["Unknown service"]}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (entry,) = load_search_words(path, documents)
    assert (entry.service_id, entry.lang) == (1, "en")
    assert entry.words == ("Advice", "advice line")
