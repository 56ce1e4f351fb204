"""A panel report as a PDF, built on the server from the same template and the same SVG charts as
the page (``core.pdf.render_pdf``: WeasyPrint, the platform's one HTML-to-PDF)."""

from __future__ import annotations

from flask import render_template

from ..core.pdf import render_pdf
from .charts import svg
from .panel import PanelReport


def report_html(report: PanelReport, *, pdf: bool) -> str:
    """The report's HTML: for the page (``pdf=False``, in the layout) or for the PDF (print styles, every
    chart's table shown)."""
    return render_template("reports/panel_report_pdf.html" if pdf else "reports/panel_report.html",
                           report=report, chart=svg, pdf=pdf)


def report_pdf(report: PanelReport) -> bytes:
    """The report as PDF bytes. Needs an app context (the templates); no request."""
    return render_pdf(report_html(report, pdf=True))
