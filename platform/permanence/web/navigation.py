"""The main navigation: the entries features registered (``core.registry.register_nav``) that
the signed-in user may follow in this council."""

from __future__ import annotations

from flask import g, url_for

from ..accounts.permissions import has_permission
from ..core.registry import NavEntry, nav_entries


def _shown(item: NavEntry) -> bool:
    if not has_permission(item.permission):
        return False
    tenant = g.get("tenant")
    return item.shown_when is None or (tenant is not None and item.shown_when(tenant.id))


def nav_items():
    return [{"label": i.label, "url": url_for(i.endpoint)} for i in nav_entries() if _shown(i)]
