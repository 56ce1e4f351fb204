"""The main navigation: each feature registers its entry with the permission that shows it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from ..accounts.permissions import has_permission


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: str
    order: int


_items: list[NavItem] = []


def register_nav(label: str, endpoint: str, permission: str, order: int = 50) -> None:
    if not any(i.endpoint == endpoint for i in _items):
        _items.append(NavItem(label, endpoint, permission, order))
        _items.sort(key=lambda i: (i.order, i.label))


def nav_items():
    return [{"label": i.label, "url": url_for(i.endpoint)} for i in _items if has_permission(i.permission)]
