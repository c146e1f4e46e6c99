"""An unknown username's password is checked against a stand-in hash, made at the first
such sign-in with the hasher's own parameters, and not as a worker or command starts."""

from __future__ import annotations

import json
import subprocess
import sys

from kezek.staff import passwords
from kezek.staff.passwords import stand_in_hash


def test_the_stand_in_is_made_as_a_real_hash_is_and_only_once() -> None:
    made = stand_in_hash()
    # Same parameters as every stored hash: checking it takes as long as checking theirs.
    assert made.startswith("$argon2id$") and not passwords.HASHER.check_needs_rehash(made)
    assert passwords.HASHER.verify(made, "not a password of anyone")
    assert stand_in_hash() is made


def test_starting_the_app_makes_no_hash() -> None:
    probe = (
        "import json, kezek.app, kezek.staff.passwords as p;"
        "print(json.dumps(p.stand_in_hash.cache_info().currsize))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == 0
