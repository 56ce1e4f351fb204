"""A reminder's words from the council's terms of reference; links back into the platform come
from ``notifications.services.link_to``."""

from __future__ import annotations

from typing import Mapping

from ..tor.reminders import DEFAULTS, ReminderWording
from ..tor.services import current_tor


def child_reference(children) -> str:
    """"A.D. (REM-1)" per child: an e-mail leaves the platform, so it never carries a child's full name."""
    return ", ".join(child.reference for child in children)


def wording(tenant_id: int, kind: str) -> ReminderWording:
    """The council's wording of ``kind`` (the defaults before any terms of reference are in force)."""
    tor = current_tor(tenant_id)
    return tor.reminders[kind] if tor is not None else DEFAULTS[kind]


def render_for(tenant_id: int, kind: str, values: Mapping[str, object]) -> tuple[str, str]:
    return wording(tenant_id, kind).render(values)


