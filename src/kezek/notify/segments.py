"""How many SMS a text costs: GSM-7 packs 160 characters, anything else UCS-2's 70.

Kyrgyz and Russian are Cyrillic, so nearly every message is UCS-2: 70 characters alone,
67 a part once split (each part carries a header). Characters outside the basic plane
count twice in UCS-2 (UTF-16 pairs), as GSM-7's extended characters (€, [, ]…) take two
septets; phones never split such a pair between parts, so a part can hold one unit less.
"""

from __future__ import annotations

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ!\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


def is_gsm(text: str) -> bool:
    return all(char in GSM_BASIC or char in GSM_EXTENDED for char in text)


def segments(text: str) -> int:
    """The number of SMS parts the text is sent as."""
    if is_gsm(text):
        sizes = [2 if char in GSM_EXTENDED else 1 for char in text]
        single, part = 160, 153
    else:
        sizes = [len(char.encode("utf-16-le")) // 2 for char in text]
        single, part = 70, 67
    if sum(sizes) <= single:
        return 1
    parts, room = 1, part
    for size in sizes:  # fill each part in turn, a two-unit character whole
        if size > room:
            parts, room = parts + 1, part
        room -= size
    return parts
