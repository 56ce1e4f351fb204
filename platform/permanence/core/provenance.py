"""Where a write to a child's history comes from: a person in the app, an API client, an SSDA903
return or a tracker spreadsheet. Each history row records it (``origin`` and ``origin_detail``),
so an import replaces only what the same source wrote, and rows from two sources that disagree
can be listed for a person to resolve (``cases.provenance``).

One home for it: the API's sign-in says "this request writes as API client X"
(:func:`write_as_for_request`), an import sets its own origin on the rows it builds, and anything
else is a person using the app."""

from __future__ import annotations

from flask import g, has_request_context

UI, API, SSDA903, TRACKER = "ui", "api", "ssda903", "tracker"
ORIGINS = {
    UI: "Recorded in Permanence",
    API: "API client",
    SSDA903: "SSDA903 return",
    TRACKER: "Tracker spreadsheet",
}


def write_as_for_request(origin: str, detail: str | None = None) -> None:
    """Rows written for the rest of this request come from ``origin`` (the API sets it per token)."""
    g.write_origin = (origin, detail)


def current() -> tuple[str, str | None]:
    """The origin a new history row gets when its writer does not set one."""
    if has_request_context():
        return g.get("write_origin", (UI, None))
    return UI, None


def current_origin() -> str:
    return current()[0]


def current_detail() -> str | None:
    return current()[1]


def label(origin: str, detail: str | None = None) -> str:
    """'SSDA903 return 2025-26', 'API client "case system sync"', 'Recorded in Permanence'."""
    text = ORIGINS.get(origin, origin)
    if detail and origin == API:
        return f"{text} “{detail}”"
    return f"{text} {detail}" if detail else text

