"""Every fi/sv/en text Apuri says outside domain.yml, read from gettext catalogs, and one lookup.

The catalogs are `.po` files, one a language and domain:
`texts/locale/<lang>/LC_MESSAGES/<domain>.po`, beside the template `texts/locale/<domain>.pot`.
Each entry is found by its `msgctxt`, a stable dotted key whose first part names the table it
belongs to (`phone.stopped`, `gateway.unavailable`); its `msgid` is the English text and its
`msgstr` the language's own (in the English catalog the same as the `msgid`). Placeholders
are `str.format` fields (`{phone}`), and entries that have them carry the `python-brace-format`
flag, so translators' tools check them too. A domain is one set of files: `apuri` holds the
texts of every part, and a part may bring a domain of its own; keys are unique across them.

The `.po` files themselves are read, with Babel, the first time a text is asked for, and kept
for the life of the process. Nothing is compiled: `.mo` files would need a build step that a
fresh clone, an editable install or a test run could miss, and would save only a few
milliseconds once a process. Following gettext, an entry that is empty or fuzzy is not used
(the English text is); `python -m texts check` and the tests fail on any such entry, so none
is ever shipped. `texts.maintenance` checks the catalogs and rebuilds the template.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from texts.languages import LANGUAGES, Language

LOCALE = Path(__file__).resolve().parent / "locale"
# The language whose catalog is the reference: its msgids are the texts themselves.
SOURCE: Language = "en"


class TextError(LookupError):
    """A text that cannot be given: an unknown key or language, or a value it needs is missing."""


class UnknownText(TextError):
    """No catalog has the key."""


class MissingValue(TextError):
    """The text has a placeholder that the call gave no value for."""


def catalog_path(lang: str, domain: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"


def template_path(domain: str) -> Path:
    return LOCALE / f"{domain}.pot"


def domains() -> tuple[str, ...]:
    """The catalogs' domains: those the English catalogs have, in name order."""
    return tuple(sorted(path.stem for path in catalog_path(SOURCE, "*").parent.glob("*.po")))


def read_catalog(lang: str, domain: str) -> Catalog:
    """One catalog as Babel reads it; a malformed file is an error, not a partial catalog."""
    with catalog_path(lang, domain).open("rb") as po:
        return read_po(po, locale=lang, domain=domain, abort_invalid=True)


def placeholders(template: str) -> frozenset[str]:
    """The names of the `str.format` fields in `template` (`{phone}` -> "phone")."""
    names = set()
    for _literal, field, _spec, _conversion in string.Formatter().parse(template):
        if field is not None:
            names.add(field.split(".", 1)[0].split("[", 1)[0])
    return frozenset(names)


@dataclass(frozen=True, slots=True)
class _Text:
    template: str
    needs: frozenset[str]


@functools.cache
def _texts() -> dict[Language, dict[str, _Text]]:
    """Every language's texts by key, read once; the English text where one is not usable."""
    english: dict[str, str] = {}
    own: dict[Language, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for domain in domains():
        for lang in LANGUAGES:
            for message in read_catalog(lang, domain):
                if not message.id or not message.context:
                    continue  # the header, or an entry without a key (the check names it)
                if lang == SOURCE:
                    english[message.context] = str(message.id)
                usable = isinstance(message.string, str) and message.string and not message.fuzzy
                if usable:
                    own[lang][message.context] = str(message.string)
    texts: dict[Language, dict[str, _Text]] = {lang: {} for lang in LANGUAGES}
    for lang in LANGUAGES:
        for key, default in english.items():
            template = own[lang].get(key) or default
            texts[lang][key] = _Text(template, placeholders(template))
    return texts


def all_keys() -> tuple[str, ...]:
    """Every key, in catalog order."""
    return tuple(_texts()[SOURCE])


def has(key: str) -> bool:
    """Whether a text with this key exists."""
    return key in _texts()[SOURCE]


def _lookup(key: str, lang: Language) -> _Text:
    texts = _texts()
    if lang not in texts:
        raise TextError(f"no catalog for the language {lang!r}; Apuri speaks {LANGUAGES}")
    try:
        return texts[lang][key]
    except KeyError:
        raise UnknownText(f"no text has the key {key!r} (see texts/locale/)") from None


def template_of(key: str, lang: Language) -> str:
    """The text `key` in `lang` as the catalog has it, placeholders unfilled."""
    return _lookup(key, lang).template


def text(key: str, lang: Language, **values: object) -> str:
    """The text `key` in `lang`, its placeholders filled from `values`.

    Values it has no placeholder for are ignored (as `str.format` does), so one call can serve
    texts that use different ones; a placeholder without a value is a `MissingValue`.
    """
    found = _lookup(key, lang)
    missing = found.needs - values.keys()
    if missing:
        raise MissingValue(
            f"the text {key!r} ({lang}) needs a value for {', '.join(sorted(missing))}"
        )
    return found.template.format(**values)


class Table(Mapping[str, Mapping[Language, str]]):
    """The texts whose keys start with `prefix.`, by the rest of the key, each by language.

    A read-only view of the catalogs with placeholders unfilled, for code and tests that go
    through a whole table; it reads the catalogs on first use, not when it is made.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __getitem__(self, name: str) -> Mapping[Language, str]:
        key = f"{self.prefix}.{name}"
        if not has(key):
            raise KeyError(name)
        return {lang: template_of(key, lang) for lang in LANGUAGES}

    def __iter__(self) -> Iterator[str]:
        start = f"{self.prefix}."
        return (key.removeprefix(start) for key in all_keys() if key.startswith(start))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"Table({self.prefix!r})"
