"""The regions file of a scenario's ``[geography]``: where the backlog lives.

A CSV a planner keeps in a spreadsheet, one row per region::

    region,lat,lon,office,people
    Moscow,55.756,37.617,msk,21000
    Krasnoyarsk Krai,56.010,92.852,nsk,2500

Every problem is said with its line, its column and the fix, and nothing is planned.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pydantic import Field, ValidationError

from kezek.codes import CODE_PATTERN
from kezek.network.file import FileProblem
from kezek.network.spec import Strict

COLUMNS = ("region", "lat", "lon", "office", "people")


class Region(Strict):
    """Where part of an office's people live: ``people`` weighs its part of the office's
    backlog and newcomers against the office's other regions."""

    region: str = Field(min_length=1, max_length=100)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    office: str = Field(pattern=CODE_PATTERN)
    people: float = Field(ge=0)


class RegionsFileError(Exception):
    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_regions(path: Path) -> list[Region]:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's UTF-8 starts with a BOM
    except OSError as exc:
        raise _one(source, None, "(file)", f"cannot be read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise _one(source, None, "(file)", "is not UTF-8 text; save it as CSV UTF-8") from exc
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    extra = [name for name in header if name not in COLUMNS]
    if missing or extra:
        said = f"the columns must be {','.join(COLUMNS)}"
        if missing:
            said += f"; missing: {', '.join(missing)}"
        if extra:
            said += f"; not known: {', '.join(extra)}"
        raise _one(source, 1, "(header)", said)
    regions, problems = [], []
    for line, row in enumerate(reader, start=2):
        values = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        try:
            regions.append(Region.model_validate(values))
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(part) for part in error["loc"]) or "(row)"
                problems.append(FileProblem(source, line, field, _fix(field, error["msg"])))
    if problems:
        raise RegionsFileError(problems)
    if not regions:
        raise _one(source, None, "(file)", "has no regions; give one row per region")
    return regions


def _fix(field: str, message: str) -> str:
    hints = {
        "lat": "give the latitude in degrees, such as 55.756",
        "lon": "give the longitude in degrees, such as 37.617",
        "people": "give how many of the office's people live there, 0 or more",
        "office": "give the code of an office of the network, such as msk",
        "region": "give the region's name",
    }
    return f"{message.lower()}; {hints.get(field, 'see the columns above')}"


def _one(source: str, line: int | None, field: str, message: str) -> RegionsFileError:
    return RegionsFileError([FileProblem(source, line, field, message)])
