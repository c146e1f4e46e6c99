"""Compiling the simulator's inner loops to machine code with Numba.

The loops are plain Python over NumPy arrays; ``compiled`` turns them into machine code on
first use and caches it next to the source, so later runs and worker processes start at
once. The type stays the plain function's, so callers are checked as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

Function = TypeVar("Function", bound=Callable[..., Any])


def compiled(function: Function) -> Function:
    return cast(Function, numba.njit(cache=True, nogil=True)(function))


def inlined(function: Function) -> Function:
    """``compiled``, and written into each caller: for the small steps done once per
    person, where a call's cost (the counted references to every array passed) would
    outweigh the step itself."""
    return cast(Function, numba.njit(cache=True, nogil=True, inline="always")(function))
