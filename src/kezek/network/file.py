"""Reading a network file and reporting every error with its line, field and fix."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from kezek.codes import CODE_RULE
from kezek.network.spec import NetworkSpec, OfficeSpec, ServiceSpec, cross_check

FieldPath = tuple[str | int, ...]

_FIXES = {
    "missing": "add this field",
    "extra_forbidden": "remove it, or check its spelling",
    "string_pattern_mismatch": f"use {CODE_RULE}",
    "too_short": "add at least one entry",
    "string_too_short": "write a non-empty value",
}


@dataclass(frozen=True)
class FileProblem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class NetworkFileError(Exception):
    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_network_file(path: Path) -> NetworkSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise NetworkFileError(
            [FileProblem(str(path), None, "(file)", f"cannot be read: {exc.strerror}")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise NetworkFileError(
            [FileProblem(str(path), None, "(file)", "is not UTF-8 text; save it as UTF-8")]
        ) from exc
    return parse_network(text, source=str(path))


def parse_network(text: str, *, source: str) -> NetworkSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NetworkFileError([syntax_problem(source, exc)]) from exc
    lines = key_lines(text)
    problems: list[FileProblem] = []
    try:
        spec: NetworkSpec | None = NetworkSpec.model_validate(data)
    except ValidationError as exc:
        spec = None
        problems += [
            problem_from_error(source, lines, error) for error in exc.errors(include_url=False)
        ]
    services = _each(ServiceSpec, data.get("services"))
    offices = _each(OfficeSpec, data.get("offices"))
    problems += [
        FileProblem(source, line_of(lines, at), dotted(at), message)
        for at, message in cross_check(
            services=services,
            offices=offices,
            service_codes=set(_codes(data.get("services"))),
            group_codes=_codes(data.get("groups")),
        )
    ]
    if problems or spec is None:
        problems.sort(key=lambda problem: problem.line or 0)
        raise NetworkFileError(problems)
    return spec


def _codes(entries: object) -> list[str]:
    """The codes of a list of tables, as written, even where an entry is otherwise wrong."""
    return [
        entry["code"]
        for entry in _entries(entries)
        if isinstance(entry, dict) and isinstance(entry.get("code"), str)
    ]


def syntax_problem(source: str, error: tomllib.TOMLDecodeError) -> FileProblem:
    """A TOML syntax error with its line, as the other problems have theirs."""
    line = re.search(r"line (\d+)", str(error))
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
    return FileProblem(
        source, int(line.group(1)) if line else None, "(syntax)", f"{message}; fix the TOML syntax"
    )


SpecT = TypeVar("SpecT", ServiceSpec, OfficeSpec)


def _entries(value: object) -> list[object]:
    return value if isinstance(value, list) else []


# Fields that the whole-file checks never read: a bad value here is swapped for a neutral
# one, so that (say) a misspelt time zone does not hide an office's unknown service.
_NEUTRAL: dict[str, object] = {
    "timezone": "UTC",
    "country": "RU",
    "kind": "embassy",
    "name": {"ky": "-", "ru": "-", "en": "-"},
    "city": {"ky": "-", "ru": "-", "en": "-"},
    "address": {"ky": "-", "ru": "-", "en": "-"},
    "coordinates": {"lat": 0, "lon": 0},
    "documents": [],
    "duration_minutes": 1,
}


def _each(kind: type[SpecT], value: object) -> list[SpecT | None]:
    """Validate entries one by one; None marks an entry the whole-file checks must skip."""
    out: list[SpecT | None] = []
    for entry in _entries(value):
        out.append(_validated(kind, entry))
    return out


def _validated(kind: type[SpecT], entry: object) -> SpecT | None:
    try:
        return kind.model_validate(entry)
    except ValidationError as exc:
        fields = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        if not isinstance(entry, dict) or not fields or not fields <= _NEUTRAL.keys():
            return None
    try:
        return kind.model_validate({**entry, **{name: _NEUTRAL[name] for name in fields}})
    except ValidationError:
        return None


def problem_from_error(
    source: str, lines: dict[FieldPath, int], error: ErrorDetails
) -> FileProblem:
    # Validators that pydantic wraps report their own fix; built-in checks get one here.
    at = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
    message = error["msg"].removeprefix("Value error, ")
    fix = _FIXES.get(error["type"])
    if fix:
        message = f"{message}; {fix}"
    return FileProblem(source, line_of(lines, at), dotted(at), message)


def dotted(at: FieldPath) -> str:
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


def line_of(lines: dict[FieldPath, int], at: FieldPath) -> int | None:
    for end in range(len(at), 0, -1):
        if at[:end] in lines:
            return lines[at[:end]]
    return None


_HEADER = re.compile(r"^\[\[?\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r'^("[^"]+"|[A-Za-z0-9_.-]+)\s*=')


def key_lines(text: str) -> dict[FieldPath, int]:
    """Where each table and key of a TOML text starts, by field path with array indices.

    tomllib keeps no positions, so this follows table headers and keys line by line. It
    only has to be good enough to point a person at the right line.
    """
    lines: dict[FieldPath, int] = {}
    counts: dict[FieldPath, int] = {}
    table: FieldPath = ()
    in_multiline = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_multiline = not in_multiline
            if not in_multiline:
                continue
        if in_multiline or not line or line.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header:
            names = [name.strip().strip('"') for name in header.group(1).split(".")]
            parent = _resolve(names[:-1], counts)
            table = (*parent, names[-1])
            if line.startswith("[["):
                counts[table] = counts.get(table, -1) + 1
                lines.setdefault(table, number)
                table = (*table, counts[table])
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            parts = tuple(part.strip('"') for part in key.group(1).split("."))
            lines.setdefault((*table, *parts), number)
    return lines


def _resolve(names: list[str], counts: dict[FieldPath, int]) -> FieldPath:
    path: FieldPath = ()
    for name in names:
        path = (*path, name)
        if path in counts:
            path = (*path, counts[path])
    return path
