"""Compound splitting and the company/association cue of the query analysis."""

from __future__ import annotations

from knowledge_base.analysis import Analyzer, mentions_organisation, names_other_municipality


def test_finnish_compound_is_indexed_by_its_known_parts() -> None:
    analyzer = Analyzer("fi", frozenset({"asukas", "pysäköint", "tunnus", "tunnuks"}))
    terms = analyzer.terms("asukaspysäköintitunnuksen")
    assert terms[0] == "asukaspysäköintitunnuks"
    assert {"tunnuks", "pysäköint", "asukas"} <= set(terms)


def test_no_vocabulary_or_english_means_no_splitting() -> None:
    assert Analyzer("fi").terms("asukaspysäköintitunnuksen") == ["asukaspysäköintitunnuks"]
    english = Analyzer("en", frozenset({"child", "mind"}))
    assert english.terms("childminder") == ["childmind"]


def test_swedish_linking_s_is_dropped_from_the_modifier() -> None:
    analyzer = Analyzer("sv", frozenset({"parkering", "tillstånd"}))
    assert {"tillstånd", "parkering"} <= set(analyzer.terms("parkeringstillstånd"))


def test_organisation_cue() -> None:
    assert mentions_organisation("yrityspysäköintitunnus")
    assert mentions_organisation("parkeringstillstånd för företag")
    assert mentions_organisation("permit for my restaurant")
    assert not mentions_organisation("mistä saan pysäköintitunnuksen?")


def test_other_municipalities_are_recognised_in_their_forms() -> None:
    for text in ("espoon kirjaston aukioloajat", "bygglov i Vanda", "Åbo stads tandvård",
                 "Vantaalla asuva", "swimming hall in Espoo"):  # fmt: skip
        assert names_other_municipality(text), text
    for text in ("Helsingin uimahallit", "vasaran lainaus", "Vartiolahden koulu", "Helsingfors"):
        assert not names_other_municipality(text), text
