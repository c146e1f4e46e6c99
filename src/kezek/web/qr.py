"""QR codes as SVG made on the server: sharp on a thermal receipt, no script, no image file."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(text: str, *, label: str) -> Markup:
    """An inline SVG QR code of ``text``, with ``label`` for screen readers."""
    svg = segno.make(text, error="m").svg_inline(scale=4, border=2, title=label)
    # segno writes the markup itself; the label is a ticket code such as A-014.
    return Markup(svg.replace("<svg ", '<svg role="img" class="qr" ', 1))
