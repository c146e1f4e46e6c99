"""Reading a network file and reporting every error with its line, field and fix."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from kezek.i18n import N_
from kezek.network.messages import Message, from_pydantic
from kezek.network.spec import (
    NetworkSpec,
    OfficeSpec,
    ServiceSpec,
    cross_check,
    round_problems,
)

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class FileProblem:
    file: str
    line: int | None
    field: str
    message: str  # in English, for the command line
    said: Message | None = None  # the same, to be shown in the reader's language

    @classmethod
    def saying(cls, file: str, line: int | None, field: str, said: Message) -> FileProblem:
        return cls(file, line, field, str(said), said)

    def __str__(self) -> str:
        return self.shown(lambda text: text)

    def shown(self, gettext: Callable[[str], str]) -> str:
        """The problem with its file, line and field, the message through ``gettext``; the
        file as a whole and its syntax, which are no field, in words too."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        message = self.said.text(gettext) if self.said is not None else self.message
        field = gettext(WHOLE_FILE[self.field]) if self.field in WHOLE_FILE else self.field
        return f"{where}: {field}: {message}"


WHOLE_FILE = {"(file)": N_("(file)"), "(syntax)": N_("(syntax)")}


class NetworkFileError(Exception):
    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_network_file(path: Path) -> NetworkSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        said = Message(N_("cannot be read: %(reason)s"), reason=exc.strerror)
        raise NetworkFileError([FileProblem.saying(str(path), None, "(file)", said)]) from exc
    except UnicodeDecodeError as exc:
        raise NetworkFileError([not_utf8(str(path))]) from exc
    return parse_network(text, source=str(path))


def parse_network(text: str, *, source: str) -> NetworkSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NetworkFileError([syntax_problem(source, exc)]) from exc
    except RecursionError:  # tables or arrays nested thousands deep: no network file is
        said = Message(
            N_("tables or arrays are nested too deeply; a network file needs few levels")
        )
        raise NetworkFileError([FileProblem.saying(source, None, "(syntax)", said)]) from None
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
        FileProblem.saying(source, line_of(lines, at), dotted(at), message)
        for at, message in cross_check(
            services=services,
            offices=offices,
            service_codes=set(_codes(data.get("services"))),
            group_codes=_codes(data.get("groups")),
        )
    ]
    if spec is not None and not problems:
        problems += [
            FileProblem.saying(source, line_of(lines, at), dotted(at), message)
            for at, message in round_problems(spec)
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


def not_utf8(source: str) -> FileProblem:
    said = Message(N_("is not UTF-8 text; save it as UTF-8"))
    return FileProblem.saying(source, None, "(file)", said)


def syntax_problem(source: str, error: tomllib.TOMLDecodeError) -> FileProblem:
    """A TOML syntax error with its line, as the other problems have theirs."""
    line = re.search(r"line (\d+)", str(error))
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
    said = Message(N_("%(detail)s; fix the TOML syntax"), detail=message)
    return FileProblem.saying(source, int(line.group(1)) if line else None, "(syntax)", said)


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
    # Validators that pydantic wraps report their own fix; built-in checks get one there.
    at = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
    return FileProblem.saying(source, line_of(lines, at), dotted(at), from_pydantic(error))


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
