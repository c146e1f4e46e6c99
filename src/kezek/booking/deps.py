"""The booking holder's proof, as a FastAPI dependency shared by the booking and queue routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from kezek.booking.identity import normalize_document
from kezek.errors import Invalid


async def get_document_number(
    x_document_number: Annotated[
        str,
        Header(
            max_length=40,
            description="The passport or ID-card number the booking was made with. "
            "Sent as a header so that it never appears in URLs or access logs.",
        ),
    ],
) -> str:
    try:
        return normalize_document(x_document_number)
    except ValueError as exc:
        raise Invalid(f"X-Document-Number {exc}", field="X-Document-Number") from None


DocumentNumberDep = Annotated[str, Depends(get_document_number)]
