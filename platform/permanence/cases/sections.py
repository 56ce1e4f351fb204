"""Sections of the child's page that features add: the tracker's milestones and timeline, open
actions, the meetings that heard the child, ...

``cases`` sits below the features and names none of them: a feature registers its section from
its ``init_app`` with the template to include, its place on the page, the permission that shows
it and ``load(child)``, which gives the template its data as ``section``. The cases view loaded
the child through ``load_or_404``, so the read of the child is audited once for the whole page;
a section that shows other children (a sibling group's decisions) audits those reads itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..accounts.permissions import has_permission


@dataclass(frozen=True)
class ChildSection:
    name: str
    template: str
    load: Callable[[Any], Any]
    order: int = 50
    permission: str | None = None


_sections: dict[str, ChildSection] = {}


def register_child_section(name: str, template: str, load: Callable[[Any], Any], *, order: int = 50,
                           permission: str | None = None) -> None:
    """Add a section to the child's page (registering a name again replaces it)."""
    _sections[name] = ChildSection(name, template, load, order, permission)


def child_sections(child) -> list[dict]:
    """The sections the member may see, in page order, each with its template and loaded data."""
    shown = sorted((s for s in _sections.values() if s.permission is None or has_permission(s.permission)),
                   key=lambda s: (s.order, s.name))
    return [{"name": s.name, "template": s.template, "data": s.load(child)} for s in shown]
