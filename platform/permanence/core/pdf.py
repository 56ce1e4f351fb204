"""HTML to PDF: the one place the platform turns a page into a PDF (WeasyPrint), for the per-child
decision record (``minutes``) and the panel reports (``reports``)."""

from __future__ import annotations

import logging


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """The page as PDF. WeasyPrint is imported here, so the app starts without Pango."""
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its progress steps are not our log's business
    return HTML(string=html, base_url=base_url).write_pdf()
