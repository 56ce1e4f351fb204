"""The main navigation: each feature registers its entry with the permission that shows it, and
optionally a condition on the council (``shown_when(tenant_id)``: an entry only some councils'
terms of reference make sense of)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import g, url_for

from ..accounts.permissions import has_permission


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: str
    order: int
    shown_when: Callable[[int], bool] | None = None


_items: list[NavItem] = []


def register_nav(label: str, endpoint: str, permission: str, order: int = 50,
                 shown_when: Callable[[int], bool] | None = None) -> None:
    if not any(i.endpoint == endpoint for i in _items):
        _items.append(NavItem(label, endpoint, permission, order, shown_when))
        _items.sort(key=lambda i: (i.order, i.label))


def _shown(item: NavItem) -> bool:
    if not has_permission(item.permission):
        return False
    tenant = g.get("tenant")
    return item.shown_when is None or (tenant is not None and item.shown_when(tenant.id))


def nav_items():
    return [{"label": i.label, "url": url_for(i.endpoint)} for i in _items if _shown(i)]
