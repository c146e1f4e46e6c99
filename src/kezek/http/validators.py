"""Conditional GET: a page or answer that has not changed is a 304, not the same bytes again.

Thousands of ticket holders reload their status every 20 seconds over slow mobile links,
and most reloads find nothing new. The answer carries an ``ETag`` worked out from what it
shows (before it is rendered, where the caller can), and ``Cache-Control: private,
no-cache``: the phone keeps its copy and asks each time whether it is still good; shared
caches keep nothing.
"""

from __future__ import annotations

import hashlib

from starlette.responses import Response

from kezek import __version__

CACHE_CONTROL = "private, no-cache"
# An answer that will never change (a ticket that is over): the holder's phone may show it
# again for a day without asking. Only where the request carries what proves the holder
# (a header named in ``Vary``), so that a request without it is never answered from it.
FINAL_CACHE_CONTROL = "private, max-age=86400"


def etag(*parts: object) -> str:
    """A strong validator for what ``parts`` describe; a new release changes every one."""
    text = "\x1f".join(str(part) for part in (__version__, *parts))
    return '"' + hashlib.blake2b(text.encode(), digest_size=12).hexdigest() + '"'


def unchanged(if_none_match: str | None, tag: str) -> bool:
    """Whether the client's copy, named in ``If-None-Match``, is the current one."""
    if not if_none_match:
        return False
    given = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in given or tag in given


def not_modified(tag: str, *, vary: str | None = None, final: bool = False) -> Response:
    return Response(status_code=304, headers=validator_headers(tag, vary=vary, final=final))


def validator_headers(tag: str, *, vary: str | None = None, final: bool = False) -> dict[str, str]:
    """``vary`` names a request header that makes another answer at the same address: the
    kept copy is then never shown for a request without it. ``final``: the answer will
    never change, and may be kept a day (``FINAL_CACHE_CONTROL``)."""
    cache = FINAL_CACHE_CONTROL if final else CACHE_CONTROL
    return {"ETag": tag, "Cache-Control": cache, **({"Vary": vary} if vary else {})}
