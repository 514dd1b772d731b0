"""Write the JSON Schema of each importable entity's row (``domain.masterdata``) to docs/schemas/ENTITY.schema.json.

    python scripts/masterdata_schemas.py          # rewrite the files
    python scripts/masterdata_schemas.py --check  # exit 1 when a file differs from the records

The schema describes one JSON Lines row; a CSV file has the same fields as columns (lists joined with ";").
tests/domain/test_masterdata.py fails while the files and the records disagree, so the published schemas cannot
drift.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from domain.masterdata import ENTITIES, Entity

DIR = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def schema(entity: Entity) -> dict[str, Any]:
    """Return the JSON Schema of one row of `entity`, with its natural key and references noted."""
    body = entity.record.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://carecast.dev/schemas/{entity.name}.schema.json",
        **body,
        "title": f"carecast import {entity.name}: one row",
        "description": f"{entity.summary} Natural key: {', '.join(entity.key_fields)}."
        + (f" References: {', '.join(entity.references)}." if entity.references else ""),
    }


def render() -> dict[str, str]:
    """Return each schema file's name and text: keys sorted, two-space indent, final newline."""
    return {
        f"{name}.schema.json": json.dumps(schema(entity), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for name, entity in ENTITIES.items()
    }


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the schema files; return the exit status."""
    p = argparse.ArgumentParser(
        prog="python scripts/masterdata_schemas.py", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--check", action="store_true", help="only compare, do not write")
    args = p.parse_args(argv)
    files = render()
    if args.check:
        stale = [
            n for n, text in files.items() if not (DIR / n).exists() or (DIR / n).read_text("utf-8") != text
        ]
        extra = (
            sorted(p.name for p in DIR.glob("*.schema.json") if p.name not in files) if DIR.exists() else []
        )
        for name in stale + extra:
            print(f"docs/schemas/{name}: differs from domain.masterdata; run without --check")
        return 1 if stale or extra else 0
    DIR.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (DIR / name).write_text(text, "utf-8")
    print(f"wrote {len(files)} schemas to {DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
