"""A measure's figure in words for a page: "450 days", "66.7%", "30.1 weeks", "3"."""

from __future__ import annotations

from datetime import date


def show(value, unit: str) -> str:
    if value is None:
        return "No children counted"
    number = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}".removesuffix(".0")
    if unit == "%":
        return f"{number}%"
    if unit == "days":
        return f"{number} {'day' if value == 1 else 'days'}"
    if unit == "weeks":
        return f"{number} {'week' if value == 1 else 'weeks'}"
    return number


def show_fact(value) -> str:
    """A date the figure used, as a page writes it (1 March 2025), or the number or words as they are."""
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, float):
        return f"{value:,.1f}".removesuffix(".0")
    return str(value)
