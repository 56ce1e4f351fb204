"""A reminder's words from the council's terms of reference, and links back into the platform.

Jobs run without a request, so links are built from ``BASE_URL`` and the URL map."""

from __future__ import annotations

import logging
from typing import Mapping

from flask import current_app
from werkzeug.routing import BuildError

from ..extensions import db
from ..tenancy.models import Tenant
from ..tor.reminders import DEFAULTS, ReminderWording
from ..tor.services import current_tor

log = logging.getLogger(__name__)


def child_reference(children) -> str:
    """"A.D. (REM-1)" per child: an e-mail leaves the platform, so it never carries a child's full name."""
    return ", ".join(child.reference for child in children)


def wording(tenant_id: int, kind: str) -> ReminderWording:
    """The council's wording of ``kind`` (the defaults before any terms of reference are in force)."""
    tor = current_tor(tenant_id)
    return tor.reminders[kind] if tor is not None else DEFAULTS[kind]


def render_for(tenant_id: int, kind: str, values: Mapping[str, object]) -> tuple[str, str]:
    return wording(tenant_id, kind).render(values)


def link_to(endpoint: str, tenant_id: int | None = None, **values) -> str:
    """An absolute link to ``endpoint`` in the current (or given) council."""
    from ..core.context import current_tenant_id

    tenant = db.session.get(Tenant, tenant_id if tenant_id is not None else current_tenant_id())
    try:
        path = current_app.url_map.bind("localhost").build(endpoint, {"tenant_slug": tenant.slug, **values})
    except BuildError:  # a page renamed or not installed: the council's home page still helps
        log.warning("no page %s(%s) to link a reminder to; linking the council's home page", endpoint, values)
        path = f"/{tenant.slug}/"
    return current_app.config["BASE_URL"].rstrip("/") + path
