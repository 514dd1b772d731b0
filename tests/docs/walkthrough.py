"""The documented walkthroughs as data: the shell blocks of a markdown file, the commands of a `console` transcript
and the output printed under each, and whether a real run's output says what the documented one says.

A shell block (```console, ```bash, ```sh, ```shell) is preceded by one marker line:
`<!-- walkthrough: run -->` (tests/docs/test_walkthrough.py runs it) or `<!-- walkthrough: skip: <reason> -->`.
In a `console` block, `$ ` starts a command and the lines under it are what it printed. Any other fenced block
preceded by `<!-- walkthrough: file NAME -->` is a file the reader saves as NAME before running the commands.

What "says the same" means, since ids, keys, times and counts differ from run to run:
* JSON (pretty or one document per line, as `jq .` / `jq -c` print it): the run's output parses, has every key the
  documented one shows (recursively; a list by its first item; `null` on either side matches anything) with values
  of the same JSON type, and the same value for the keys in EXACT (an error's `code`, a `status`).
* `<json> HTTP 403` (curl's `-w " HTTP %{http_code}\\n"`): the same status code, and the JSON as above.
* A bare number or string (curl's `-w "%{http_code}"`): the same value.
* JSON cut short with `...`: the run's output parses and starts with the text before the `...`.
* Any other text: each documented line's signature (its first word; an iCalendar property by its name; a secret
  by its prefix) is among the run's. Continuation lines (leading space) and `…` are not compared.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHELL_LANGS = frozenset({"console", "bash", "sh", "shell"})
FILE_MARKER = re.compile(r"^<!-- walkthrough: file (?P<name>[\w.-]+) -->$")
MARKER = re.compile(r"^<!-- walkthrough: (?:(?P<run>run)|skip: (?P<reason>\S.*?)) -->$")
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\s*$")  # also inside a list item
EXACT = frozenset({"code", "status"})
HTTP_LINE = re.compile(r"^(?P<body>.*) HTTP (?P<status>\d{3})$")
SECRET = re.compile(r"^(cc_live_|cc_owner_|whsec_)[A-Za-z0-9_-]+")
ICS_PROPERTY = re.compile(r"^(?P<name>[A-Z][A-Z-]*)[:;]")
ELISION = ("...", "…")
_NOT_JSON = object()


@dataclass(frozen=True)
class Block:
    """A fenced shell block: where it is, its text, and its marker (run, or the reason it is skipped)."""

    path: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    run: bool
    skip_reason: str | None  # None with run, and when the block has no marker at all

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


@dataclass(frozen=True)
class Step:
    """One command of a block and the output the document shows under it."""

    command: str
    expected: list[str]
    line: int


def shell_blocks(path: Path) -> list[Block]:
    """Every fenced block in `path` whose language is a shell's, with the marker on the line before it."""
    lines = path.read_text().splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].lstrip().startswith("```")), len(lines))
        if fence["lang"] in SHELL_LANGS:
            marker = MARKER.match(lines[i - 1].strip()) if i > 0 else None
            indent = len(fence["indent"])
            blocks.append(
                Block(
                    path=path,
                    line=i + 1,
                    lang=fence["lang"],
                    text="\n".join(
                        line[indent:] if line[:indent].isspace() else line for line in lines[i + 1 : end]
                    ),
                    run=bool(marker and marker["run"]),
                    skip_reason=marker["reason"] if marker else None,
                )
            )
        i = end + 1
    return blocks


def documented_files(path: Path) -> dict[str, str]:
    """The fenced blocks a document asks the reader to save, by file name: `<!-- walkthrough: file NAME -->`
    on the line before the fence."""
    lines = path.read_text().splitlines()
    found: dict[str, str] = {}
    for i, line in enumerate(lines[:-1]):
        marker = FILE_MARKER.match(line.strip())
        if marker and FENCE.match(lines[i + 1]):
            end = next(j for j in range(i + 2, len(lines)) if lines[j].lstrip().startswith("```"))
            found[marker["name"]] = "\n".join(lines[i + 2 : end]) + "\n"
    return found


def steps(block: Block) -> list[Step]:
    """The commands of a block: `$ ` lines with the output under each (console), else each non-blank line."""
    found: list[Step] = []
    for offset, text in enumerate(block.text.splitlines()):
        number = block.line + 1 + offset
        if block.lang != "console":
            if text.strip() and not text.lstrip().startswith("#"):
                found.append(Step(command=text, expected=[], line=number))
        elif text.startswith("$ "):
            found.append(Step(command=text[2:], expected=[], line=number))
        elif found:
            found[-1].expected.append(text)
    for step in found:
        while step.expected and not step.expected[-1].strip():
            step.expected.pop()
    return found


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return _NOT_JSON


def shape_problems(documented: Any, got: Any, path: str = "$") -> list[str]:
    """Where `got` lacks a key of `documented`, holds another JSON type, or another value of an EXACT key."""
    if documented is None or got is None:
        return []
    if isinstance(documented, dict):
        if not isinstance(got, dict):
            return [f"{path}: expected an object, got {got!r:.80}"]
        problems = []
        for key, value in documented.items():
            if key not in got:
                problems.append(f"{path}: no {key!r} (has {sorted(got)})")
            elif key in EXACT and isinstance(value, str) and got[key] != value:
                problems.append(f"{path}.{key}: {got[key]!r} where the document shows {value!r}")
            else:
                problems.extend(shape_problems(value, got[key], f"{path}.{key}"))
        return problems
    if isinstance(documented, list):
        if not isinstance(got, list):
            return [f"{path}: expected an array, got {got!r:.80}"]
        return shape_problems(documented[0], got[0], f"{path}[0]") if documented and got else []
    kind = _kind(documented)
    return [] if kind == _kind(got) else [f"{path}: expected a {kind}, got {got!r:.80}"]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else type(value).__name__


def signature(line: str) -> str:
    """What a text line is compared by: its first word, an iCalendar property's name, a secret's prefix."""
    word = line.split()[0] if line.split() else ""
    word = SECRET.sub(r"\1", word)
    prop = ICS_PROPERTY.match(word)
    if prop and prop["name"] not in ("BEGIN", "END"):
        return prop["name"]
    return word


def output_problems(expected: list[str], actual: str) -> list[str]:
    """Where a run's output does not say what the documented output says (empty: it does); see the module doc."""
    shown = [line for line in expected if line.strip()]
    if not shown:
        return []
    got_lines = [line for line in actual.splitlines() if line.strip()]
    whole = _json("\n".join(shown))
    if whole is not _NOT_JSON:
        got = _json(actual)
        if got is _NOT_JSON:
            return [f"not JSON: {actual[:300]!r}"]
        if not isinstance(whole, dict | list):  # a bare number or string, e.g. curl's -w "%{http_code}"
            return [] if got == whole else [f"{got!r} where the document shows {whole!r}"]
        return shape_problems(whole, got)
    if all(_structured(line) for line in shown):
        if not got_lines:
            return ["printed nothing"]
        problems = []
        for i, line in enumerate(shown):
            problems.extend(_line_problems(line, got_lines[min(i, len(got_lines) - 1)]))
        return problems
    have = {signature(line) for line in got_lines if not line[0].isspace()}
    missing = [
        line
        for line in shown
        if not line[0].isspace() and line.strip() not in ELISION and signature(line) not in have
    ]
    return [f"no line like {line!r} in {actual[:600]!r}" for line in missing]


def _structured(line: str) -> bool:
    http = HTTP_LINE.match(line)
    body = http["body"] if http else line
    return _json(body) is not _NOT_JSON or (body.startswith("{") and any(e in body for e in ELISION))


def _line_problems(documented: str, got: str) -> list[str]:
    doc_http, got_http = HTTP_LINE.match(documented), HTTP_LINE.match(got)
    if doc_http:
        if not got_http:
            return [f"no ' HTTP <status>' at the end of {got!r:.300}"]
        if got_http["status"] != doc_http["status"]:
            return [
                f"HTTP {got_http['status']} where the document shows HTTP {doc_http['status']}: {got!r:.300}"
            ]
        documented, got = doc_http["body"], got_http["body"]
    value = _json(got)
    if value is _NOT_JSON:
        return [f"not JSON: {got!r:.300}"]
    cut = min((documented.index(e) for e in ELISION if e in documented), default=None)
    if cut is not None and _json(documented) is _NOT_JSON:
        head = documented[:cut]
        return [] if got.startswith(head) else [f"{got!r:.300} does not start with {head!r}"]
    return shape_problems(_json(documented), value)
