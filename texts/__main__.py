"""`python -m texts check` checks the catalogs; `python -m texts update` rebuilds the template
and brings the translations in step with the English catalog (see `texts.maintenance`)."""

from __future__ import annotations

import argparse
import sys

from texts import maintenance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m texts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="every key in every language, placeholders, the template")
    commands.add_parser("update", help="rebuild the template, bring the translations in step")
    args = parser.parse_args(argv)
    if args.command == "update":
        for path in maintenance.update():
            print(f"rewrote {path}")
    problems = maintenance.problems()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problems in the catalogs", file=sys.stderr)
        return 1
    print("the catalogs are whole: every key in every language, placeholders alike")
    return 0


if __name__ == "__main__":
    sys.exit(main())
