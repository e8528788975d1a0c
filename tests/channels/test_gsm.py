"""GSM-7 text-message arithmetic and fitting answers into three segments."""

from __future__ import annotations

import pytest

from channels.gsm import fit, is_gsm7, segments, to_gsm7


def test_finnish_and_swedish_letters_are_gsm7_and_lookalikes_are_replaced() -> None:
    assert is_gsm7("Hyvää päivää! Välkommen till Åbo, öppet 9-16.")
    replaced = to_gsm7("“Kamppi” – klo 9–16… ’ok’ \u00a0€ 🙂")
    assert replaced == "\"Kamppi\" - klo 9-16... 'ok'  € "
    assert is_gsm7(replaced)
    assert not is_gsm7("Привет")
    assert to_gsm7("Привет") == "Привет", "other scripts are kept: sent as UCS-2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extension character takes two septets
        ("€" * 81, 2),
        ("ж" * 70, 1),  # UCS-2
        ("ж" * 71, 2),
        ("ж" * 201, 3),
        ("ж" * 202, 4),
    ],
)
def test_segments(text: str, expected: int) -> None:
    assert segments(text) == expected


def test_fit_keeps_what_fits_and_cuts_at_a_word_before_the_tail() -> None:
    assert fit("lyhyt vastaus", 3, " Lisää: x") == "lyhyt vastaus Lisää: x"
    long = " ".join(f"sana{n}" for n in range(200))
    tail = " Koko vastaus: https://apuri.hel.fi/m/abc\n1) Kyllä\nVastaa 1."
    cut = fit(long, 3, tail)
    assert segments(cut) <= 3
    assert cut.endswith("..." + tail)
    kept = cut[: -len("..." + tail)]
    assert long.startswith(kept) and kept.split()[-1] in long.split(), "cut at a whole word"
    assert len(cut) > 400, "the three segments are used"


def test_fit_in_ucs2() -> None:
    cut = fit("Привет мир " * 40, 3, " Ещё: https://x")
    assert segments(cut) <= 3 and cut.endswith("... Ещё: https://x")
