"""Day, start time and length from what a resident writes or says, in Finnish, Swedish or
English: "huomenna klo 18", "ensi tiistaina kuudelta kahdeksi tunniksi", "på fredag kl 17
i två timmar", "den 25 november kl 18", "next Tuesday 5-7pm", "26.11. puoli kuusi".

The rules are the ones a person at the city's front desk would apply:

* A weekday on its own ("tiistaina", "på fredag", "on Tuesday", also "ensi"/"nästa"/"next")
  is the next such day after today; "ensi viikon tiistaina" / "next week Tuesday" is the
  Tuesday of next calendar week.
* A day and month without a year that has already passed this year is next year's.
* A bare hour from 1 to 7 ("kuudelta", "klockan sex", "at 6") is in the afternoon or evening:
  nobody books a sauna for six in the morning without saying so ("aamulla", "6 am").
  "illalla", "på kvällen", "in the evening" move any hour before noon to the evening.
* "puoli kuusi" and "halv sex" are half an hour *before* six (17:30); English "half six" and
  "half past six" are half an hour after (18:30).
* A range ("17-19", "5-7pm", "viidestä seitsemään", "mellan 17 och 19") gives the start
  and the length.

Only the parts that were said are returned; the dialogue asks for the rest. The parser is
written out rather than delegated to a general date library because a booking needs the
exact reading of the short, inflected expressions above, and a wrong guess books a wrong
hour; every rule has a test in `tests/booking/test_when.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from store.models import HELSINKI
from texts import Language


@dataclass(frozen=True)
class When:
    """What a message says about a booking's time; None where it says nothing."""

    date: dt.date | None = None
    time: dt.time | None = None
    duration_minutes: int | None = None

    @property
    def start(self) -> dt.datetime | None:
        """The start in Helsinki time when both day and time were given."""
        if self.date is None or self.time is None:
            return None
        return dt.datetime.combine(self.date, self.time, HELSINKI)


# --- words ------------------------------------------------------------------------------

# Cardinal numbers 1-12 as they appear in times and lengths, with the Finnish cases that
# carry a time ("kuudelta" at six, "kuudesta" from six, "kuuteen" until six) or a length
# ("kahdeksi tunniksi", "kahden tunnin", "kaksi tuntia").
_FI_FORMS: dict[int, tuple[str, ...]] = {
    1: ("yksi", "yhden", "yhdeksi", "yhdeltä", "yhdestä", "yhteen"),
    2: ("kaksi", "kahden", "kahdeksi", "kahdelta", "kahdesta", "kahteen"),
    3: ("kolme", "kolmen", "kolmeksi", "kolmelta", "kolmesta", "kolmeen"),
    4: ("neljä", "neljän", "neljäksi", "neljältä", "neljästä", "neljään"),
    5: ("viisi", "viiden", "viideksi", "viideltä", "viidestä", "viiteen"),
    6: ("kuusi", "kuuden", "kuudeksi", "kuudelta", "kuudesta", "kuuteen"),
    7: ("seitsemän", "seitsemäksi", "seitsemältä", "seitsemästä", "seitsemään"),
    8: ("kahdeksan", "kahdeksaksi", "kahdeksalta", "kahdeksasta", "kahdeksaan"),
    9: ("yhdeksän", "yhdeksäksi", "yhdeksältä", "yhdeksästä", "yhdeksään"),
    10: ("kymmenen", "kymmeneksi", "kymmeneltä", "kymmenestä", "kymmeneen"),
    11: ("yksitoista", "yhdeltätoista", "yhdestätoista", "yhteentoista"),
    12: ("kaksitoista", "kahdeltatoista", "kahdestatoista", "kahteentoista"),
}
_SV_FORMS: dict[int, tuple[str, ...]] = {
    1: ("en", "ett", "ettan"),
    2: ("två", "tvåan"),
    3: ("tre", "trean"),
    4: ("fyra", "fyran"),
    5: ("fem", "femman"),
    6: ("sex", "sexan"),
    7: ("sju", "sjuan"),
    8: ("åtta", "åttan"),
    9: ("nio", "nian"),
    10: ("tio", "tian"),
    11: ("elva", "elvan"),
    12: ("tolv", "tolvan"),
}
_EN_FORMS: dict[int, tuple[str, ...]] = {
    1: ("one", "a", "an"),
    2: ("two",),
    3: ("three",),
    4: ("four",),
    5: ("five",),
    6: ("six",),
    7: ("seven",),
    8: ("eight",),
    9: ("nine",),
    10: ("ten",),
    11: ("eleven",),
    12: ("twelve",),
}

_NUMBER_WORDS: dict[str, int] = {}
for _forms in (_FI_FORMS, _SV_FORMS, _EN_FORMS):
    for _value, _words in _forms.items():
        for _word in _words:
            _NUMBER_WORDS.setdefault(_word, _value)

# Words that only count things ("a", "an", "en", "ett") are numbers in a length ("an hour",
# "en timme") but never an hour of the day.
_ARTICLES = {"a", "an", "en", "ett"}
_FI_TIME_CASES = ("ltä", "lta", "ltätoista", "ltatoista")


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUM_WORD = _alternation(list(_NUMBER_WORDS))
_HOUR_WORD = _alternation([w for w in _NUMBER_WORDS if w not in _ARTICLES])

_MONTHS: dict[str, int] = {}
for _month_no, _names in enumerate(
    (
        ("tammikuu", "januari", "january", "jan"),
        ("helmikuu", "februari", "february", "feb"),
        ("maaliskuu", "mars", "march", "mar"),
        ("huhtikuu", "april", "apr"),
        ("toukokuu", "maj", "may"),
        ("kesäkuu", "juni", "june", "jun"),
        ("heinäkuu", "juli", "july", "jul"),
        ("elokuu", "augusti", "august", "aug"),
        ("syyskuu", "september", "sep", "sept"),
        ("lokakuu", "oktober", "october", "okt", "oct"),
        ("marraskuu", "november", "nov"),
        ("joulukuu", "december", "dec"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _month_no
# Finnish month names inflect ("marraskuuta", "marraskuun"); the others may take a dot.
_MONTH = rf"(?P<month>{_alternation(list(_MONTHS))})(?:ta|n|ssa|lle|\.)?(?![a-zåäö])"

_WEEKDAYS: dict[str, int] = {}
for _weekday_no, _names in enumerate(
    (
        ("maanantai", "måndag", "monday"),
        ("tiistai", "tisdag", "tuesday", "tue", "tues"),
        ("keskiviikko", "keskiviikkona", "onsdag", "wednesday", "wed"),
        ("torstai", "torsdag", "thursday", "thu", "thur", "thurs"),
        ("perjantai", "fredag", "friday"),
        ("lauantai", "lördag", "saturday"),
        ("sunnuntai", "söndag", "sunday"),
    )
):
    for _name in _names:
        _WEEKDAYS[_name] = _weekday_no
# "tiistaina", "tiistaille", "tisdagen", "tisdags", "Tuesdays".
_WEEKDAY = rf"\b(?P<weekday>{_alternation(list(_WEEKDAYS))})(?:na|ksi|lle|en|s)?\b"

_MARKER = r"(?:klo|kello|kl|klockan|at|@)\.?:?"
_AMPM = r"(?P<{0}>[ap]\.?\s?m\b\.?)"
_FI_ENDING = r"(?::?(?:stä|sta|ään|een|aan|iin|ltä|lta|ksi))?"


def _clock(group: str) -> str:
    """A clock value: "18", "18.30", "18:30", "6 pm", "kuudelta", "puoli kuusi", "halv sex"."""
    return (
        rf"(?P<{group}half>puoli\s+|halv\s+|half\s+past\s+|half\s+)?"
        rf"(?<![\d.:,])(?P<{group}h>\d{{1,2}}|{_HOUR_WORD})(?![\d])"
        rf"(?:[:.](?P<{group}m>\d{{2}}))?{_FI_ENDING}"
        rf"(?:\s*{_AMPM.format(group + 'ampm')})?"
    )


_EVENING = re.compile(
    r"\b(illalla|iltapäivällä|iltana|illaksi|iltapäiväksi|huomisilta\w*|kväll\w*|ikväll|"
    r"eftermiddag\w*|"
    r"evening|tonight|afternoon)\b"
)
_MORNING = re.compile(
    r"\b(aamulla|aamupäivällä|aamuna|aamuksi|huomisaamu\w*|morgonen|förmiddag\w*|morning|"
    r"mornings)\b"
)

# --- lengths ------------------------------------------------------------------------------

_HOUR_WORD_UNIT = (
    r"(?:tunti|tuntia|tunniksi|tunnin|tunnista|timme|timmar|timmes|timmars|hour|hours)"
)
_HOUR_UNIT = rf"(?:h|t|tim|hr|hrs|{_HOUR_WORD_UNIT})"
_MINUTE_UNIT = r"(?:min|minuutti|minuuttia|minuutiksi|minuutin|minuter|minut|minutes?|mins?)"
_AND_HALF = r"(?:\s+(?:ja\s+puoli|och\s+en\s+halv|och\s+halv|and\s+a\s+half))"

_DURATIONS: list[tuple[re.Pattern[str], str]] = [
    # 1.5 hours said as a word of its own.
    (
        re.compile(
            r"\b(?:puolitoista|puoleksitoista|puolentoista)\s+tun\w*"
            r"|\b(?:one\s+and\s+a\s+half|an\s+hour\s+and\s+a\s+half|one\s+hour\s+and\s+a\s+half)"
            r"(?:\s+hours?)?"
            r"|\b(?:en\s+och\s+en\s+halv|en\s+och\s+halv|halvannan)\s+timm\w*"
        ),
        "90",
    ),
    # Half an hour.
    (
        re.compile(
            r"\b(?:puoli\s+tuntia|puoleksi\s+tunniksi|puolen\s+tunnin|half\s+an\s+hour|"
            r"(?:en\s+)?halvtimme|en\s+halv\s+timme)\b"
        ),
        "30",
    ),
    # "2 h", "kaksi tuntia", "kahdeksi tunniksi", "i två timmar", "for two hours", "2,5 h".
    (
        re.compile(
            rf"(?<![\d.:])\b(?:(?P<n>\d+(?:[.,]\d+)?)\s*-?\s*{_HOUR_UNIT}"
            rf"|(?P<nw>{_NUM_WORD})(?P<half>{_AND_HALF})?\s+{_HOUR_WORD_UNIT})\b"
            rf"(?P<half2>{_AND_HALF})?"
        ),
        "hours",
    ),
    # "90 min", "45 minuutiksi".
    (re.compile(rf"(?<![\d.:])\b(?P<n>\d+)\s*{_MINUTE_UNIT}\b"), "minutes"),
    # "tunniksi", "tunnin ajaksi", "en timme", "an hour" on their own.
    (re.compile(r"\b(?:tunniksi|tunnin\s+ajaksi|tunnin\s+vuoro\w*|timme|hour)\b"), "60"),
]

# --- times ------------------------------------------------------------------------------

_RANGE = re.compile(
    rf"(?:\b{_MARKER}\s*|\b(?:from|från|mellan|between)\s+)?{_clock('a')}"
    rf"\s*(?:-|–|—|\bto\b|\btill\b|\buntil\b|\boch\b|\band\b)\s*{_clock('b')}"
)
# Finnish "viidestä seitsemään", "klo 17:stä 19:ään" (from .. until) without a dash.
_FI_RANGE = re.compile(
    rf"(?:\b{_MARKER}\s*)?(?P<ahalf>puoli\s+)?(?P<ah>\d{{1,2}}:?(?:stä|sta)|\w+(?:stä|sta))"
    rf"\s+(?:(?:klo|kello)\s+)?(?P<bhalf>puoli\s+)?(?P<bh>\d{{1,2}}:?(?:ään|een|aan|iin)|\w+(?:een|ään|aan))\b"
)
_MARKED_TIME = re.compile(rf"\b{_MARKER}\s*{_clock('t')}")
_COLON_TIME = re.compile(
    rf"(?<![\d.:])(?P<th>\d{{1,2}}):(?P<tm>\d{{2}})(?![\d:])(?:\s*{_AMPM.format('tampm')})?"
)
_AMPM_TIME = re.compile(
    rf"(?<![\d.:])\b(?P<th>\d{{1,2}})(?:[.:](?P<tm>\d{{2}}))?\s*{_AMPM.format('tampm')}"
)
_FI_AT_HOUR = [w for forms in _FI_FORMS.values() for w in forms if w.endswith(_FI_TIME_CASES)]
_FI_TIME_WORD = re.compile(rf"\b(?P<thalf>puoli\s+)?(?P<th>{_alternation(_FI_AT_HOUR)})\b")
_HALF_TIME = re.compile(
    rf"\b(?P<thalf>puoli\s+|halv\s+|half\s+past\s+|half\s+)(?P<th>\d{{1,2}}|{_HOUR_WORD})\b"
)
_NOON = re.compile(r"\b(noon|midday|keskipäivällä|keskipäivä\w*|mitt\s+på\s+dagen|lunch)\b")
# "move it to 19", "flytta till 19", "siirrä 19:ään": a lone hour after a word of direction.
_TO_HOUR = re.compile(
    r"\b(?:to|till|kl|klo)\s+(?P<th>\d{1,2})(?![\d.:])\b|\b(?P<th2>\d{1,2}):?(?:ään|een|aan|iin)\b"
)

# --- days -------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")
_NUMERIC_DATE = re.compile(
    r"(?<![\d.:,])(?P<d>\d{1,2})[./](?P<m>\d{1,2})(?:[./](?P<y>\d{4}|\d{2})?)?(?![\d:])"
)
_DAY_MONTH = re.compile(
    rf"(?<![\d.:])\b(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th|:e|:a|e|a)?\s+(?:of\s+)?{_MONTH}"
    rf"(?:\s+(?P<y>\d{{4}}))?"
)
_MONTH_DAY = re.compile(
    rf"\b{_MONTH}\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:\.|st|nd|rd|th|:e|:a)?(?![\d.:]\d)"
    rf"(?:,?\s+(?P<y>\d{{4}}))?"
)
_IN_TWO_DAYS = (
    r"\b(ylihuomenna|ylihuomiseksi|i\s?övermorgon|övermorgon|(?:the\s+)?day\s+after\s+tomorrow)\b"
)
_TOMORROW = r"\b(huomenna|huomiseksi|huomiselle|huomis\w*|i\s?morgon|imorgon|tomorrow|tmrw|tmr)\b"
_TODAY = (
    r"\b(tänään|tänä\s+iltana|tänä\s+päivänä|i\s?dag|idag|i\s?kväll|ikväll|"
    r"today|tonight|this\s+evening)\b"
)
_RELATIVE_DAYS = [
    (re.compile(_IN_TWO_DAYS), 2),
    (re.compile(_TOMORROW), 1),
    (re.compile(_TODAY), 0),
]
_NEXT_WEEK = re.compile(
    r"\b(ensi\s+viikon|seuraavan\s+viikon|ensi\s+viikolla|seuraavalla\s+viikolla|"
    r"nästa\s+veckas?|next\s+week(?:'s)?|"
    r"(?:on\s+)?\w+\s+next\s+week)\b"
)


def parse_when(text: str, lang: Language | None, now: dt.datetime) -> When:
    """The day, start time and length that `text` names, read as of `now` in Helsinki.

    `lang` is the conversation's language; the expressions of all three languages are
    understood whatever it is, since residents mix them ("på fredag klo 18").
    """
    today = now.astimezone(HELSINKI).date() if now.tzinfo else now.date()
    said = f" {_normalise(text)} "
    minutes, rest = _duration(said)
    day, rest = _iso_date(rest)
    clock, range_minutes, rest = _time(rest, said)
    if minutes is None:
        minutes = range_minutes
    if day is None:
        day, rest = _date(rest, today)
    if clock is None:
        clock, rest = _loose_time(rest)
    if clock is not None:
        clock = _daytime(clock, said)
    return When(
        date=day,
        time=dt.time(clock.hour, clock.minute) if clock else None,
        duration_minutes=minutes,
    )


def parse_time(text: str, lang: Language | None = None) -> dt.time | None:
    """Only the start time in `text` ("klo 18" -> 18:00)."""
    return parse_when(text, lang, dt.datetime.now(HELSINKI)).time


def parse_duration(text: str, lang: Language | None = None) -> int | None:
    """Only the length in `text`, in minutes ("kahdeksi tunniksi" -> 120)."""
    return parse_when(text, lang, dt.datetime.now(HELSINKI)).duration_minutes


# --- the steps --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    explicit: bool  # am/pm said, minutes written with a leading zero hour, or 24 h ("18")


def _normalise(text: str) -> str:
    lowered = text.lower().replace("\u2013", "-").replace("\u2014", "-")
    lowered = re.sub(r"[!?;\"'«»()]", " ", lowered)
    return re.sub(r"\s+", " ", lowered)


def _cut(text: str, match: re.Match[str]) -> str:
    return f"{text[: match.start()]} {text[match.end() :]}"


def _number(word: str) -> float | None:
    word = word.strip()
    if word in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[word])
    try:
        return float(word.replace(",", "."))
    except ValueError:
        return None


_AFTER_MARKER = re.compile(rf"\b{_MARKER}\s*$")
_MAX_MINUTES = 12 * 60


def _duration(text: str) -> tuple[int | None, str]:
    for pattern, kind in _DURATIONS:
        for match in pattern.finditer(text):
            if _AFTER_MARKER.search(text[: match.start()]):
                continue  # "klo 18 tunniksi": 18 is the time, not the length
            if kind == "hours":
                count = _number(match.group("n") or match.group("nw"))
                if count is None:
                    continue
                if match.group("half") or match.group("half2"):
                    count += 0.5
                minutes = round(count * 60)
            elif kind == "minutes":
                minutes = int(match.group("n"))
            else:
                minutes = int(kind)
            if 0 < minutes <= _MAX_MINUTES:
                return minutes, _cut(text, match)
    return None, text


def _hour_value(word: str, half: str | None) -> tuple[int, int] | None:
    """(hour, minute) of an hour said as digits or a word, with "puoli"/"halv"/"half past"."""
    base = word.rstrip(":")
    if base[:1].isdigit():
        value = _number(re.sub(r":?(stä|sta|ään|een|aan|iin|ltä|lta|ksi)$", "", base))
    else:
        value = _word_hour(base)
    if value is None or value != int(value) or not 0 <= value <= 24:
        return None
    hour = int(value) % 24
    if not half:
        return hour, 0
    if half.strip().startswith(("puoli", "halv")):
        return (hour - 1) % 24, 30  # "puoli kuusi", "halv sex": half an hour before six
    return hour, 30  # "half past six", "half six"


def _word_hour(word: str) -> float | None:
    if word in _NUMBER_WORDS and word not in _ARTICLES:
        return float(_NUMBER_WORDS[word])
    return None


def _clock_of(match: re.Match[str], group: str) -> _Clock | None:
    hour_minute = _hour_value(match.group(f"{group}h"), match.groupdict().get(f"{group}half"))
    if hour_minute is None:
        return None
    hour, minute = hour_minute
    minutes_text = match.groupdict().get(f"{group}m")
    if minutes_text:
        minute = int(minutes_text)
        if minute > 59:
            return None
    ampm = (match.groupdict().get(f"{group}ampm") or "").replace(".", "").replace(" ", "")
    if ampm:
        if hour > 12:
            return None
        hour = (hour % 12) + (12 if ampm == "pm" else 0)
    raw = match.group(f"{group}h")
    digits = re.sub(r"\D", "", raw)
    explicit = bool(ampm) or (bool(digits) and (digits.startswith("0") or int(digits) > 12))
    return _Clock(hour, minute, explicit)


def _time(text: str, said: str) -> tuple[_Clock | None, int | None, str]:
    """A range ("17-19") or a marked time ("klo 18"): start, the range's length, the rest."""
    for pattern in (_RANGE, _FI_RANGE):
        for match in pattern.finditer(text):
            start, end = _clock_of(match, "a"), _clock_of(match, "b")
            if start is None or end is None:
                continue
            if pattern is _RANGE and not _plausible_range(match):
                continue
            start, end = _align_range(start, end, match, said)
            length = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            if 0 < length <= 16 * 60:
                return start, length, _cut(text, match)
    for match in _MARKED_TIME.finditer(text):
        clock = _clock_of(match, "t")
        if clock is not None:
            return clock, None, _cut(text, match)
    return None, None, text


def _plausible_range(match: re.Match[str]) -> bool:
    """ "17-19", "klo viidestä", "mellan 17 och 19" are ranges; "two and four" is not."""
    said = match.group(0)
    opened = re.match(rf"\s*(?:\b{_MARKER}|from|från|mellan|between)", said) is not None
    if re.search(r"\b(och|and)\b", said) and not re.match(r"\s*(mellan|between)", said):
        return False
    both_words = not (match.group("ah")[:1].isdigit() or match.group("bh")[:1].isdigit())
    return opened or not both_words


def _align_range(
    start: _Clock, end: _Clock, match: re.Match[str], text: str
) -> tuple[_Clock, _Clock]:
    """ "5-7pm": the end's pm is the start's too; "6-8" in the evening: both after noon."""
    start_ampm = match.groupdict().get("aampm")
    end_ampm = match.groupdict().get("bampm")
    if end_ampm and not start_ampm and not start.explicit and start.hour < 12:
        shifted = _Clock(start.hour + 12, start.minute, True)
        if end.hour >= 12 and shifted.hour <= end.hour:
            start = shifted
    if not start.explicit and not end.explicit:
        start, end = _daytime(start, text), _daytime(end, text)
    if end.hour * 60 + end.minute <= start.hour * 60 + start.minute and end.hour < 12:
        end = _Clock(end.hour + 12, end.minute, True)  # "klo 6-8": both in the evening
    return start, end


def _loose_time(text: str) -> tuple[_Clock | None, str]:
    """A time said without "klo"/"kl"/"at": "18:30", "6 pm", "kuudelta", "puoli kuusi"."""
    for pattern in (_COLON_TIME, _AMPM_TIME, _FI_TIME_WORD, _HALF_TIME, _TO_HOUR):
        for match in pattern.finditer(text):
            if pattern is _TO_HOUR:
                hour = int(match.group("th") or match.group("th2"))
                if 0 <= hour <= 23:
                    return _Clock(hour, 0, hour > 12), _cut(text, match)
                continue
            clock = _clock_of(match, "t")
            if clock is not None:
                return clock, _cut(text, match)
    noon = _NOON.search(text)
    if noon:
        return _Clock(12, 0, True), _cut(text, noon)
    return None, text


def _daytime(clock: _Clock, text: str) -> _Clock:
    """An hour said without am/pm, read as people book: 1-7 and "illalla" mean pm."""
    if clock.explicit or clock.hour >= 12 or clock.hour == 0:
        return clock
    if _MORNING.search(text):
        return clock
    if _EVENING.search(text) or 1 <= clock.hour <= 7:
        return _Clock(clock.hour + 12, clock.minute, True)
    return clock


def _iso_date(text: str) -> tuple[dt.date | None, str]:
    match = _ISO_DATE.search(text)
    if match is None:
        return None, text
    try:
        day = dt.date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
    except ValueError:
        return None, text
    return day, _cut(text, match)


def _date(text: str, today: dt.date) -> tuple[dt.date | None, str]:
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        for match in pattern.finditer(text):
            month = _MONTHS[match.group("month")]
            day = _calendar_day(today, int(match.group("d")), month, match.group("y"))
            if day is not None:
                return day, _cut(text, match)
    for match in _NUMERIC_DATE.finditer(text):
        day = _calendar_day(today, int(match.group("d")), int(match.group("m")), match.group("y"))
        if day is not None:
            return day, _cut(text, match)
    for pattern, ahead in _RELATIVE_DAYS:
        relative = pattern.search(text)
        if relative:
            return today + dt.timedelta(days=ahead), _cut(text, relative)
    named = re.search(_WEEKDAY, text)
    if named:
        weekday = _WEEKDAYS[named.group("weekday")]
        if _NEXT_WEEK.search(text):
            monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
            return monday + dt.timedelta(days=weekday), _cut(text, named)
        ahead = (weekday - today.weekday() - 1) % 7 + 1
        return today + dt.timedelta(days=ahead), _cut(text, named)
    return None, text


def _calendar_day(today: dt.date, day: int, month: int, year: str | None) -> dt.date | None:
    """The date day.month[.year]; without a year, the next one that has not passed."""
    if year:
        number = int(year)
        number = number + 2000 if number < 100 else number
        try:
            return dt.date(number, month, day)
        except ValueError:
            return None
    for candidate_year in (today.year, today.year + 1):
        try:
            candidate = dt.date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None
