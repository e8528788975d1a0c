"""Service records (TPR errand services, JSON lines) to per-language service documents."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from knowledge_base.models import FALLBACK_ORDER, Channel, Link, SearchWords, ServiceDocument
from knowledge_base.text import clean_text, one_line
from texts import LANGUAGES, Language

Record = Mapping[str, Any]

BUNDLED_DATA = "errand_services.jsonl.gz"
BUNDLED_SEARCH_WORDS = "search_words.jsonl"


def default_data_path() -> Path:
    """The service data shipped with the package."""
    return Path(str(resources.files("knowledge_base") / "data" / BUNDLED_DATA))


def default_search_words_path() -> Path:
    """The search words shipped with the package."""
    return Path(str(resources.files("knowledge_base") / "data" / BUNDLED_SEARCH_WORDS))


def data_sha256(path: Path) -> str:
    """The SHA-256 of the uncompressed content of `path`."""
    digest = hashlib.sha256()
    digest.update(_read_bytes(path))
    return digest.hexdigest()


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file, gzipped or not."""
    lines = _read_bytes(path).decode("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_documents(path: Path) -> list[ServiceDocument]:
    """Every service's documents, one per language the service has a name in."""
    return [doc for record in read_records(path) for doc in service_documents(record)]


def load_search_words(path: Path, documents: Iterable[ServiceDocument]) -> list[SearchWords]:
    """The search words of `path` for services in `documents`, in languages they lack.

    Once the register has a service's text in a language, that text is searched instead.
    """
    present = {(doc.service_id, doc.lang) for doc in documents}
    services = {service_id for service_id, _ in present}
    result = []
    for record in read_records(path):
        service_id = int(record["service_id"])
        if service_id not in services:
            continue
        for lang in LANGUAGES:
            words = tuple(one_line(clean_text(w)) for w in record.get(lang) or [])
            words = tuple(w for w in dict.fromkeys(words) if w)
            if words and (service_id, lang) not in present:
                result.append(SearchWords(service_id=service_id, lang=lang, words=words))
    return result


BUSINESS_GROUPS = frozenset({"ENTERPRISES", "ASSOCIATIONS"})


def for_organisations(record: Record) -> bool:
    """Whether the service is only for companies and associations, not for residents."""
    groups = set(record.get("target_groups") or [])
    return bool(groups) and groups <= BUSINESS_GROUPS


def service_documents(record: Record) -> list[ServiceDocument]:
    """The record's documents, one per language it has a name in."""
    names = record.get("names") or {}
    return [
        _document(record, lang)
        for lang in LANGUAGES
        if isinstance(names.get(lang), str) and clean_text(names[lang])
    ]


def _document(record: Record, lang: Language) -> ServiceDocument:
    synonyms = [one_line(clean_text(s)) for s in (record.get("synonyms") or {}).get(lang, [])]
    return ServiceDocument(
        service_id=int(record["id"]),
        lang=lang,
        kind=str(record.get("type") or ""),
        name=one_line(clean_text(record["names"][lang])),
        synonyms=tuple(s for s in dict.fromkeys(synonyms) if s),
        description=_text(record, "descriptions", lang),
        how_to_apply=_text(record, "process_description", lang),
        information=_text(record, "information", lang),
        cost=_text(record, "costs", lang),
        processing_time=_text(record, "processing_time", lang),
        links=_links((record.get("links") or {}).get(lang)),
        channels=tuple(_channel(channel, lang) for channel in record.get("channels") or []),
        source_url=str(record.get("source_url") or ""),
    )


def _text(record: Record, field: str, lang: Language) -> str:
    value = (record.get(field) or {}).get(lang)
    return clean_text(value) if isinstance(value, str) else ""


def _pick(values: Mapping[str, Any] | None, lang: Language) -> Any:
    """The value for `lang`, else the first one present in the fallback order."""
    if not values:
        return None
    for candidate in FALLBACK_ORDER[lang]:
        if values.get(candidate):
            return values[candidate]
    return None


def _links(raw: Iterable[Mapping[str, Any]] | None) -> tuple[Link, ...]:
    links = []
    for item in raw or []:
        url = str(item.get("url") or "").strip()
        if url:
            title = one_line(clean_text(str(item.get("title") or ""))) or url
            links.append(Link(title=title, url=url))
    return tuple(links)


def _channel(raw: Record, lang: Language) -> Channel:
    hours = _pick(raw.get("opening_hours"), lang) or []
    return Channel(
        kind=str(raw.get("type") or ""),
        name=one_line(clean_text(_pick(raw.get("names"), lang) or "")),
        links=_links(_pick(raw.get("links"), lang)),
        phone=str(raw.get("phone") or "").strip(),
        call_charge=one_line(clean_text(_pick(raw.get("call_charge_info"), lang) or "")),
        hours=tuple(one_line(clean_text(h)) for h in hours if clean_text(h)),
        email=str(raw.get("email") or "").strip(),
        address=_address(raw.get("address")),
        requires_authentication=bool(raw.get("requires_authentication")),
    )


def _address(raw: Mapping[str, Any] | None) -> str:
    if not raw:
        return ""
    street = clean_text(str(raw.get("street") or ""))
    town = " ".join(
        clean_text(str(raw.get(key) or "")) for key in ("postal_code", "city") if raw.get(key)
    )
    return ", ".join(part for part in (street, town) if part)


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data
