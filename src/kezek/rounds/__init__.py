"""Rounds: places given out by a verifiable draw among applications, then a waitlist."""
