"""Writes knowledge_base/data/ontology_terms.jsonl.gz from the Helsinki service ontology.

    python scripts/make_ontology_terms.py ../shared/data/ontology

Reads `tpr_ontology_words.jsonl` and `tpr_ontology_tree.jsonl` (the service register's
ontology words and service-tree nodes), keeps every entry named in all of Finnish,
Swedish and English, collapses whitespace, drops repeats (case-insensitive), and writes
one `{"fi": ..., "sv": ..., "en": ...}` object a line, gzipped reproducibly.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

SOURCES = ("tpr_ontology_words.jsonl", "tpr_ontology_tree.jsonl")
TARGET = Path(__file__).resolve().parent.parent / "knowledge_base/data/ontology_terms.jsonl.gz"


def terms(directory: Path) -> list[dict[str, str]]:
    """The distinct fi/sv/en name triples of the ontology files in `directory`."""
    seen: set[tuple[str, ...]] = set()
    result = []
    for name in SOURCES:
        for line in (directory / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            names = json.loads(line).get("names") or {}
            triple = {
                lang: " ".join(str(names.get(lang) or "").split()) for lang in ("fi", "sv", "en")
            }
            key = tuple(value.lower() for value in triple.values())
            if all(key) and key not in seen:
                seen.add(key)
                result.append(triple)
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    found = terms(Path(argv[0]))
    lines = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in found)
    TARGET.write_bytes(gzip.compress(lines.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(found)} terms written to {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
