"""The knowledge-base dev set (`benchmarks/kb_devset.jsonl`) is well formed."""

from __future__ import annotations

from collections import Counter
from typing import Any

from benchmarks.kb_eval import DEVSET, load_cases


def test_every_case_names_real_services_and_a_known_split(records: list[dict[str, Any]]):
    cases = load_cases(DEVSET)
    known = {record["id"] for record in records}
    assert len({case.id for case in cases}) == len(cases), "ids are unique"
    for case in cases:
        assert case.lang in ("fi", "sv", "en"), case.id
        assert case.split in ("dev", "heldout"), case.id
        assert case.service_ids <= known, (case.id, sorted(case.service_ids - known))
        assert case.query.strip() == case.query and case.query, case.id


def test_the_set_is_as_large_as_the_issue_asks():
    cases = load_cases(DEVSET)
    in_scope = Counter(case.lang for case in cases if case.service_ids)
    out_of_scope = Counter(case.lang for case in cases if not case.service_ids)
    assert all(in_scope[lang] >= 50 for lang in ("fi", "sv", "en")), in_scope
    assert all(out_of_scope[lang] >= 20 for lang in ("fi", "sv", "en")), out_of_scope
