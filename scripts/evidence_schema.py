"""Write the JSON Schema of risk evidence (``domain.evidence``) to docs/evidence.schema.json.

    python scripts/evidence_schema.py          # rewrite the file
    python scripts/evidence_schema.py --check  # exit 1 when the file differs from the models

tests/domain/test_evidence.py fails while the file and the models disagree, so the published schema cannot drift.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from domain.evidence import json_schema

PATH = Path(__file__).resolve().parent.parent / "docs" / "evidence.schema.json"


def render() -> str:
    """Return the schema file's text: the models' schema, keys sorted, two-space indent, final newline."""
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the schema file; return the exit status."""
    p = argparse.ArgumentParser(
        prog="python scripts/evidence_schema.py", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--check", action="store_true", help="only compare, do not write")
    args = p.parse_args(argv)
    text = render()
    if args.check:
        same = PATH.exists() and PATH.read_text("utf-8") == text
        print(f"{PATH.name}: {'up to date' if same else 'differs from domain.evidence; run without --check'}")
        return 0 if same else 1
    PATH.write_text(text, "utf-8")
    print(f"wrote {PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
