"""Keeping the catalogs whole: the check behind `python -m texts check` and the rebuild of the
template and the translations behind `python -m texts update`.

The English catalog is where a text is written: its `msgctxt` is the key, its `msgid` the
English text. `update` copies each English `msgid` to the English `msgstr`, rebuilds the
`.pot` template from the English catalog and brings the Finnish and Swedish catalogs in step
with it: a new key is added untranslated, a key whose English changed keeps its translation
but is marked fuzzy (the English it was made for is in the file's history), a key that is gone
is dropped. The check then names every entry a translator still has to look at.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import write_po

from texts.catalogs import (
    SOURCE,
    catalog_path,
    domains,
    placeholders,
    read_catalog,
    template_path,
)
from texts.languages import LANGUAGES

KEY = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
BRACE_FLAG = "python-brace-format"
WIDTH = 76

TEMPLATE_HEADER = (
    "# Apuri's texts outside domain.yml: the template of the {domain} catalogs.\n"
    "# msgctxt is a text's stable key, msgid its English text, written in the\n"
    "# English catalog. Rebuilt by `python -m texts update`; do not edit."
)


def render(catalog: Catalog) -> bytes:
    """A catalog as its file holds it (Babel's layout, lines wrapped at 76)."""
    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH, ignore_obsolete=True)
    return out.getvalue()


def _entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _flags(message: Message, text: str) -> set[str]:
    """The message's flags, with `python-brace-format` exactly when the text has a placeholder."""
    flags = set(message.flags) - {BRACE_FLAG}
    if placeholders(text):
        flags.add(BRACE_FLAG)
    return flags


def build_template(domain: str) -> Catalog:
    """The `.pot` of a domain: the English catalog's keys and texts, no translations."""
    english = read_catalog(SOURCE, domain)
    template = Catalog(
        domain=domain,
        header_comment=TEMPLATE_HEADER.format(domain=domain),
        project="Apuri",
        version="1",
        msgid_bugs_address="Apuri maintainers",
        creation_date=english.creation_date,
        revision_date=english.creation_date,
        fuzzy=True,
    )
    for message in _entries(english):
        template.add(
            message.id,
            "",
            context=message.context,
            flags=_flags(message, str(message.id)) - {"fuzzy"},
            auto_comments=message.auto_comments,
        )
    return template


def _in_step(catalog: Catalog, template: Catalog, *, english: bool) -> Catalog:
    """`catalog` with the template's keys in the template's order (see the module's note)."""
    old = {message.context: message for message in _entries(catalog)}
    result = Catalog(
        locale=catalog.locale,
        domain=catalog.domain,
        header_comment=catalog.header_comment,
        project=catalog.project,
        version=catalog.version,
        msgid_bugs_address=catalog.msgid_bugs_address,
        creation_date=catalog.creation_date,
        revision_date=catalog.revision_date,
        last_translator=catalog.last_translator,
        language_team=catalog.language_team,
        fuzzy=False,
    )
    for entry in _entries(template):
        before = old.get(entry.context)
        flags = set(entry.flags)
        translation = ""
        if english:
            translation = str(entry.id)
        elif before is not None:
            translation = str(before.string or "")
            flags |= set(before.flags) - {BRACE_FLAG}
            if before.id != entry.id:
                flags.add("fuzzy")
        result.add(
            entry.id,
            translation,
            context=entry.context,
            flags=flags,
            auto_comments=entry.auto_comments,
            user_comments=before.user_comments if before is not None else (),
        )
    return result


def update() -> list[str]:
    """Rewrite the template and every catalog in step with the English one; the changed files."""
    changed = []
    for domain in domains():
        english = read_catalog(SOURCE, domain)
        template = build_template(domain)
        outputs = {template_path(domain): render(template)}
        for lang in LANGUAGES:
            catalog = english if lang == SOURCE else read_catalog(lang, domain)
            outputs[catalog_path(lang, domain)] = render(
                _in_step(catalog, template, english=lang == SOURCE)
            )
        for path, content in outputs.items():
            if not path.exists() or path.read_bytes() != content:
                path.write_bytes(content)
                changed.append(str(path))
    return changed


def _placeholder_problems(where: str, text: str) -> Iterable[str]:
    try:
        names = placeholders(text)
    except ValueError as error:
        yield f"{where}: the text is not a valid str.format template ({error})"
        return
    if "" in names or any(name.isdigit() for name in names):
        yield f"{where}: placeholders must have names, as in {{phone}}"


def problems() -> list[str]:
    """Everything wrong with the catalogs, one line each; empty when they are whole."""
    found: list[str] = []
    owner: dict[str, str] = {}
    for domain in domains():
        catalogs = _read_all(domain, found)
        english = catalogs.get(SOURCE)
        if english is None:
            continue
        reference = _reference(domain, english, owner, found)
        for lang, catalog in catalogs.items():
            found.extend(_language_problems(domain, lang, catalog, reference))
        if not template_path(domain).exists():
            found.append(f"{domain}: no template at {template_path(domain)}")
        elif template_path(domain).read_bytes() != render(build_template(domain)):
            found.append(f"{domain}: the template is not in step; run python -m texts update")
    return found


def _read_all(domain: str, found: list[str]) -> dict[str, Catalog]:
    catalogs: dict[str, Catalog] = {}
    for lang in LANGUAGES:
        path = catalog_path(lang, domain)
        if not path.exists():
            found.append(f"{domain}: no {lang} catalog at {path}")
            continue
        try:
            catalogs[lang] = read_catalog(lang, domain)
        except Exception as error:  # Babel raises its own and plain errors alike
            found.append(f"{path}: cannot be read ({error})")
    return catalogs


def _reference(
    domain: str, english: Catalog, owner: dict[str, str], found: list[str]
) -> dict[str, Message]:
    """The English entries by key, each key's own problems added to `found`."""
    reference: dict[str, Message] = {}
    for message in _entries(english):
        key = str(message.context or "")
        where = f"{domain} {SOURCE} {key or repr(message.id)}"
        if not key:
            found.append(f"{where}: has no key (msgctxt)")
            continue
        if not KEY.fullmatch(key):
            found.append(f"{where}: a key is lower-case words joined by dots, as in phone.help")
        if key in owner:
            found.append(f"{where}: the key is also in the {owner[key]} catalogs")
            continue
        owner[key] = domain
        if not isinstance(message.id, str):
            found.append(f"{where}: has plural forms, which texts.text does not give")
            continue
        reference[key] = message
        found.extend(_placeholder_problems(where, message.id))
    return reference


def _language_problems(
    domain: str, lang: str, catalog: Catalog, reference: dict[str, Message]
) -> Iterable[str]:
    if catalog.fuzzy:
        yield f"{domain} {lang}: the catalog's header is marked fuzzy"
    if catalog.obsolete:
        yield f"{domain} {lang}: has obsolete (#~) entries; run python -m texts update"
    seen = set()
    for message in _entries(catalog):
        key = str(message.context or "")
        where = f"{domain} {lang} {key or repr(message.id)}"
        if key in seen:
            yield f"{where}: the key is there twice"
        seen.add(key)
        english = reference.get(key)
        if english is None:
            if key and lang != SOURCE:
                yield f"{where}: not in the English catalog; run python -m texts update"
            continue
        yield from _entry_problems(where, lang, message, english)
    for key in reference.keys() - seen:
        yield f"{domain} {lang} {key}: missing; run python -m texts update and translate it"


def _entry_problems(where: str, lang: str, message: Message, english: Message) -> Iterable[str]:
    translation = message.string if isinstance(message.string, str) else ""
    if message.id != english.id:
        yield f"{where}: its msgid is not the English text; run python -m texts update"
    if not translation.strip():
        yield f"{where}: not translated"
        return
    if message.fuzzy:
        yield f"{where}: fuzzy (the English changed); check the translation, drop the flag"
    if lang == SOURCE and translation != message.id:
        yield f"{where}: the English msgstr differs from its msgid; run python -m texts update"
    invalid = list(_placeholder_problems(where, translation))
    if invalid:
        yield from invalid
        return
    wanted, given = placeholders(str(english.id)), placeholders(translation)
    if given != wanted:
        yield f"{where}: placeholders {sorted(given)} where the English has {sorted(wanted)}"
    if (BRACE_FLAG in message.flags) != bool(wanted):
        yield f"{where}: the {BRACE_FLAG} flag must be there exactly when it has placeholders"
