"""The README as a newcomer follows it: its commands run as written, on any day."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from kezek.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block_after(heading: str) -> str:
    section = README[README.index(heading) :]
    return section[section.index("```sh") : section.index("```", section.index("```sh") + 5)]


def test_the_curl_example_needs_no_uuidgen_and_no_date_that_goes_stale() -> None:
    example = _block_after("Try a booking once `make run` is up")

    assert "uuidgen" not in example
    assert not re.search(r"\d{4}-\d\d-\d\d", example)  # the first free time is looked up
    assert "availability?service=passport'" in example  # no from= and to=: the coming week


def test_make_run_takes_a_port() -> None:
    planned = subprocess.run(
        ["make", "-n", "run", "PORT=8101"], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert "kezek serve --relay --host 127.0.0.1 --port 8101" in planned.stdout


def test_the_plan_is_written_where_the_dashboard_reads_it() -> None:
    example = _block_after("### The 2025 answer")
    written = re.search(r"--out (\S+)", example)

    assert written is not None
    assert Path(written.group(1)) == Settings(secret_key="x" * 32).campaign_plan_dir


def test_the_plans_run_time_says_on_how_many_cores() -> None:
    said = README[README.index("### The 2025 answer") :][:2500]

    assert re.search(r"simulation took \d+ s with 2 processes on this 2-core machine", said)
