"""Fail when Rasa's NLU test report shows intent F1 below the required level.

python scripts/check_nlu_report.py var/test-results/nlu/intent_report.json --min-f1 0.9
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report", type=Path)
    parser.add_argument("--min-f1", type=float, default=0.9)
    args = parser.parse_args()
    report = json.loads(args.report.read_text())
    overall = report["weighted avg"]["f1-score"]
    rows = {
        name: values
        for name, values in report.items()
        if isinstance(values, dict) and "support" in values and not name.endswith(" avg")
    }
    print(f"{'intent':<22}{'f1':>7}{'support':>9}")
    for name, values in sorted(rows.items(), key=lambda item: item[1]["f1-score"]):
        print(f"{name:<22}{values['f1-score']:>7.3f}{values['support']:>9}")
    print(f"{'weighted avg':<22}{overall:>7.3f}")
    if overall < args.min_f1:
        print(f"intent F1 {overall:.3f} is below {args.min_f1}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
