"""The gettext catalogs of every text outside domain.yml: whole in every language, in step with
their template, and read by one lookup that says clearly what is wrong with a call."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import texts
from channels.gsm import is_gsm7
from texts import LANGUAGES, MissingValue, Table, TextError, UnknownText, catalogs, maintenance
from texts.__main__ import main

# The phone table's texts that are sent as an SMS (the rest are spoken).
SMS_KEYS = {
    "stopped",
    "started",
    "help",
    "slow_down",
    "reply_choice",
    "or",
    "more",
    "text_invitation",
}


@pytest.fixture
def locale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the catalogs that a test may break, read in place of the real ones."""
    copy = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE, copy)
    monkeypatch.setattr(catalogs, "LOCALE", copy)
    catalogs._texts.cache_clear()
    yield copy
    catalogs._texts.cache_clear()


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, f"{old!r} is not in {path}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def po(locale: Path, lang: str) -> Path:
    return locale / lang / "LC_MESSAGES" / "apuri.po"


def test_every_catalog_is_whole_and_the_template_is_in_step() -> None:
    problems = maintenance.problems()
    assert not problems, "python -m texts check finds:\n" + "\n".join(problems)


def test_the_check_command_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0, capsys.readouterr().err


def test_every_key_is_in_every_language_non_empty_with_the_same_placeholders() -> None:
    # The check above says the same; this reads the catalogs as the product does.
    assert len(catalogs.all_keys()) >= 29
    for key in catalogs.all_keys():
        english = catalogs.placeholders(catalogs.template_of(key, "en"))
        for lang in LANGUAGES:
            template = catalogs.template_of(key, lang)
            assert template.strip(), f"{key} is empty in {lang}"
            assert catalogs.placeholders(template) == english, f"{key} in {lang}"


# Texts that are rightly the same in Finnish, Swedish and English.
SAME_IN_EVERY_LANGUAGE = {"phone.press"}


def test_a_translation_is_not_the_english_text() -> None:
    # A catalog that had English where its own language belongs would pass every lookup.
    for lang in ("fi", "sv"):
        same = {
            key
            for key in catalogs.all_keys()
            if catalogs.template_of(key, lang) == catalogs.template_of(key, "en")
        }
        assert same <= SAME_IN_EVERY_LANGUAGE, f"{lang} has the English text for {same}"


FILL = {
    "phone": "09 310 11111",
    "numbers": "1, 2 tai 3",
    "url": "https://apuri.hel.fi/m/AbCd",
    "items": "1, Kerro lisää",
    "n": "1",
    "title": "Kerro lisää",
    "digit": "2",
    "digits": "4 0 0 1",
    "max_chars": "2000",
}


def test_a_text_is_given_with_its_placeholders_filled() -> None:
    assert texts.text("gateway.failed", "sv", phone="09 310 11111") == (
        "Tyvärr uppstod ett fel när ditt meddelande behandlades. Försök igen "
        "eller ring Helsingfors-info 09 310 11111."
    )
    assert texts.text("phone.or", "fi") == "tai"
    # A value the text does not use is ignored, as str.format does.
    assert texts.text("phone.or", "en", phone="09 310 11111") == "or"


def test_an_unknown_key_is_a_clear_error() -> None:
    with pytest.raises(UnknownText, match=r"'phone\.no_such_text'"):
        texts.text("phone.no_such_text", "fi")
    assert not texts.has("phone.no_such_text")
    assert texts.has("phone.stopped")


def test_a_missing_placeholder_is_a_clear_error() -> None:
    with pytest.raises(MissingValue, match=r"'gateway.unavailable' \(fi\) needs a value for phone"):
        texts.text("gateway.unavailable", "fi")
    with pytest.raises(TextError, match=r"language 'de'"):
        texts.text("phone.or", "de")  # type: ignore[arg-type]


def test_a_table_is_a_view_of_one_prefix() -> None:
    gateway = Table("gateway")
    assert list(gateway) == ["unavailable", "failed", "no_answer"]
    assert len(gateway) == 3
    assert gateway["failed"]["en"].endswith("call Helsinki-info {phone}.")
    with pytest.raises(KeyError):
        gateway["stopped"]


def test_the_sms_texts_are_gsm7_and_the_spoken_ones_hold_no_link() -> None:
    phone = Table("phone")
    for name in phone:
        for lang in LANGUAGES:
            said = texts.text(f"phone.{name}", lang, **FILL)
            if name in SMS_KEYS:
                assert is_gsm7(said), f"phone.{name} ({lang}) is not GSM-7: {said!r}"
            else:
                assert "http" not in said and "www" not in said, f"phone.{name} ({lang})"
    for name in Table("gateway"):
        for lang in LANGUAGES:
            assert is_gsm7(texts.text(f"gateway.{name}", lang, phone="09 310 11111"))


def test_the_check_names_each_kind_of_problem(locale: Path) -> None:
    edit(po(locale, "fi"), "Helsinki-infoon {phone}.", "Helsinki-infoon {puhelin}.")
    edit(po(locale, "sv"), 'msgstr "Tack för samtalet. Hej då!"', 'msgstr ""')
    edit(po(locale, "sv"), 'msgctxt "phone.transfer"', '#, fuzzy\nmsgctxt "phone.transfer"')
    edit(po(locale, "en"), "Reply {numbers}.", "Answer {numbers}.")
    problems = "\n".join(maintenance.problems())
    assert (
        "apuri fi gateway.failed: placeholders ['puhelin'] where the English has ['phone']"
        in problems
    )
    assert "apuri sv phone.goodbye: not translated" in problems
    assert "apuri sv phone.transfer: fuzzy" in problems
    assert "apuri en phone.reply_choice: the English msgstr differs from its msgid" in problems
    assert "apuri: the template is not in step; run python -m texts update" in problems
    assert "apuri fi phone.reply_choice: its msgid is not the English text" in problems


def test_a_key_missing_from_a_language_is_named(locale: Path) -> None:
    content = po(locale, "sv").read_text(encoding="utf-8")
    start = content.index('msgctxt "phone.goodbye"')
    entry_end = content.index("\n\n", start)
    po(locale, "sv").write_text(content[:start] + content[entry_end + 2 :], encoding="utf-8")
    assert "apuri sv phone.goodbye: missing; run python -m texts update and translate it" in (
        maintenance.problems()
    )


def test_update_brings_the_translations_in_step_with_the_english(locale: Path) -> None:
    english = po(locale, "en")
    edit(
        english,
        'msgid "Thank you for calling. Goodbye!"\nmsgstr "Thank you for calling. Goodbye!"',
        'msgid "Thank you for your call. Goodbye!"\nmsgstr ""',
    )
    with english.open("a", encoding="utf-8") as catalog:
        catalog.write('\nmsgctxt "phone.new_text"\nmsgid "Call {phone}."\nmsgstr ""\n')
    maintenance.update()
    problems = maintenance.problems()
    for lang in ("fi", "sv"):
        assert f"apuri {lang} phone.new_text: not translated" in problems
        assert any(p.startswith(f"apuri {lang} phone.goodbye: fuzzy") for p in problems)
    assert not [p for p in problems if " en " in p or "template" in p], problems
    finnish = po(locale, "fi").read_text(encoding="utf-8")
    assert 'msgstr "Kiitos soitosta. Näkemiin!"' in finnish, "the translation is kept"
    assert '#, python-brace-format\nmsgctxt "phone.new_text"' in finnish
    # Until the Finnish is looked at, the product says the English (as gettext does).
    catalogs._texts.cache_clear()
    assert texts.text("phone.goodbye", "fi") == "Thank you for your call. Goodbye!"
    assert texts.text("phone.new_text", "sv", phone="09 310 11111") == "Call 09 310 11111."
    # A second update changes nothing.
    assert maintenance.update() == []


def test_the_catalogs_are_read_once() -> None:
    texts.text("phone.or", "fi")
    before = catalogs._texts.cache_info().misses
    for lang in LANGUAGES:
        texts.text("phone.or", lang)
    assert catalogs._texts.cache_info().misses == before


def test_a_language_from_outside_is_one_of_the_three_or_the_default() -> None:
    assert [texts.language_or(value) for value in ("sv", "de", None, "EN")] == [
        "sv",
        "fi",
        "fi",
        "fi",
    ]
    assert texts.language_or("xx", default="en") == "en"
    assert texts.is_language("en") and not texts.is_language("fi-FI")


def test_a_template_is_given_unfilled() -> None:
    assert texts.template_of("phone.more", "en") == " Full answer: {url}"
