"""Registries a feature writes to at start-up and the shell reads: the way a lower layer offers
something upward without importing what sits above it (Indico's ``signals``/``get_menu_entries``
idea, without the signal machinery because nothing here needs more than a list).

- the main navigation: ``register_nav`` (read by ``web.navigation``);
- the JSON API's blueprints: ``register_api`` (mounted by ``api.init_app``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class NavEntry:
    """A link in the main navigation, shown to whoever holds ``permission`` (and, with
    ``shown_when(tenant_id)``, only in councils whose terms of reference make sense of it)."""

    label: str
    endpoint: str
    permission: str
    order: int
    shown_when: Callable[[int], bool] | None = None


_nav: list[NavEntry] = []
_api: list[tuple[object, str]] = []


def register_nav(label: str, endpoint: str, permission: str, order: int = 50,
                 shown_when: Callable[[int], bool] | None = None) -> None:
    if not any(i.endpoint == endpoint for i in _nav):
        _nav.append(NavEntry(label, endpoint, permission, order, shown_when))
        _nav.sort(key=lambda i: (i.order, i.label))


def nav_entries() -> list[NavEntry]:
    return list(_nav)


def register_api(blp, prefix: str = "") -> None:
    """Mount ``blp`` under ``/<tenant_slug>/api/v1<prefix>`` (token auth, no CSRF)."""
    if all(existing is not blp for existing, _ in _api):
        _api.append((blp, prefix))


def api_blueprints() -> list[tuple[object, str]]:
    return list(_api)
