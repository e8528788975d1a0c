"""Schemathesis against the real stack: no 5xx, and no status the OpenAPI document omits.

`schemathesis run` reads `/api/openapi.json` from the running gateway and sends every
operation requests built from its schemas, valid and invalid (the examples, coverage and
fuzzing phases). Checks: `not_a_server_error`, `status_code_conformance` (every status
answered is listed for its operation), `content_type_conformance`,
`response_headers_conformance` and `unsupported_method` (an undeclared method gets 405 with
`Allow`).

It runs against the whole stack, not a stand-in, because the gateway's documented 503s mean
a part is down (Rasa restarting for `/api/messages`, the knowledge base loading, /health
failing); with everything up, any 5xx is a fault. The Twilio webhooks are reached unsigned
here (403); their signed forms are fuzzed in tests/channels/test_input_limits.py.

Bounded and deterministic for `make test`: at most 25 fuzzed examples per operation,
`--generation-deterministic` (the same cases on every run, no example database), one
worker. `APURI_FUZZ_EXAMPLES=500` runs a longer search.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.schemathesis]

EXAMPLES = int(os.environ.get("APURI_FUZZ_EXAMPLES", "25"))
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "unsupported_method",
)
LIMIT_S = 300


def test_the_gateway_keeps_to_its_openapi_document(stack: Stack, tmp_path: Path) -> None:
    schemathesis = Path(sys.executable).with_name("schemathesis")
    command = [
        str(schemathesis),
        "run",
        f"{stack.gateway_url}/api/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(EXAMPLES),
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
    ]
    started = time.monotonic()
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=LIMIT_S, check=False
    )
    took = time.monotonic() - started
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"schemathesis found problems ({took:.0f} s):\n{output}"
    summary = re.search(r"(\d+) generated, (\d+) passed", output)
    assert summary is not None, output
    generated, passed = map(int, summary.groups())
    assert generated == passed > 0, output
    operations = re.search(r"Tested: (\d+)", output)
    assert operations is not None and int(operations.group(1)) >= 20, output
    print(f"schemathesis: {operations.group(1)} operations, {generated} cases, {took:.1f} s")
