"""How many SMS a text costs: GSM-7 packs 160 characters, anything else UCS-2's 70.

Kyrgyz and Russian are Cyrillic, so nearly every message is UCS-2: 70 characters alone,
67 a part once split (each part carries a header). Characters outside the basic plane
count twice in UCS-2 (UTF-16 pairs).
"""

from __future__ import annotations

import math

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
        units = sum(2 if char in GSM_EXTENDED else 1 for char in text)
        single, part = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    if units <= single:
        return 1
    return math.ceil(units / part)
