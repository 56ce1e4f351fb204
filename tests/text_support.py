"""Reading a page's words as a person does: each abbreviation's first use on a page is wrapped in
``<abbr title=...>`` (``web.abbreviations``), which a reader sees as the plain word."""

from __future__ import annotations

import re

ABBR = re.compile(r"</?abbr\b[^>]*>")


def plain(html: str) -> str:
    """``html`` without the ``<abbr>`` tags around abbreviations (their words stay)."""
    return ABBR.sub("", html)
