"""Alphabetical order as a reader of each language expects it.

Python sorts by code point, which puts Kyrgyz ң, ө and ү after я, and Russian ё after я.
A list of cities sorted that way looks broken to the reader, so each of our alphabets is
spelled out here, and a text is compared letter by letter in its reader's alphabet.
"""

from __future__ import annotations

from functools import cache

_CYRILLIC = {
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "ky": "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя",
}
_LATIN = "abcdefghijklmnopqrstuvwxyz"


@cache
def _ranks(language: str) -> dict[str, int]:
    # The reader's own script first: a Russian reader sees Cyrillic names before Latin ones.
    letters = _CYRILLIC.get(language, "") + _LATIN if language in _CYRILLIC else _LATIN
    return {letter: rank for rank, letter in enumerate(letters)}


def sort_key(text: str, language: str) -> tuple[tuple[int, int], ...]:
    """A key that sorts ``text`` in the alphabet of ``language`` (ky, ru or en), ignoring case;
    characters outside it come after its letters, in code point order."""
    ranks = _ranks(language)
    after = len(ranks)
    return tuple(
        (ranks[char], 0) if char in ranks else (after, ord(char)) for char in text.casefold()
    )
