"""The one permission check.

Every view declares its access with exactly one of ``@public``, ``@signed_in``,
``@platform_admin`` or ``@require(permission)``; ``enforce_access`` (a single
``before_request``) applies the declaration, and refuses any view that declares
nothing. Object rules (a social worker sees the children allocated to them or
their team, ...) live in policies registered here; ``load_or_404`` and ``visible``
are the only ways views fetch protected records.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

from flask import abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import false, or_, select

from ..audit import services as audit
from ..core.db import get_or_404
from ..extensions import db
from .roles import PERMISSIONS, permissions_for

PUBLIC, SIGNED_IN, PLATFORM_ADMIN = "public", "signed-in", "platform-admin"


def _declare(func, access):
    func._access = access
    return func


def public(func):
    return _declare(func, PUBLIC)


def signed_in(func):
    return _declare(func, SIGNED_IN)


def platform_admin(func):
    return _declare(func, PLATFORM_ADMIN)


def require(permission: str):
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(func):
        return _declare(func, permission)

    return decorator


_endpoint_access: dict[str, str] = {}


def public_endpoint(endpoint: str) -> None:
    """Declare a view we do not own (static files, the OpenAPI document) public by endpoint name."""
    _endpoint_access[endpoint] = PUBLIC


def declared_access(view, method: str = "GET", endpoint: str | None = None):
    """What a view function, or a MethodView's handler for ``method``, declared; or None."""
    access = _endpoint_access.get(endpoint) or getattr(view, "_access", None)
    if access is None and hasattr(view, "view_class"):
        verb = "get" if method in ("HEAD", "OPTIONS") else method.lower()
        access = getattr(getattr(view.view_class, verb, None), "_access", None)
    return access


# --- the current member -------------------------------------------------------------------------

def current_roles() -> frozenset[str]:
    membership = g.get("membership")
    return membership.roles if membership is not None else frozenset()


def has_permission(permission: str) -> bool:
    return permission in permissions_for(current_roles())


def enforce_access():
    """before_request: apply the view's declaration. Runs after the tenant resolver."""
    if request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    access = declared_access(view, request.method, request.endpoint)
    if access is None:
        current_app.logger.error("view %s declares no access rule; refused", request.endpoint)
        abort(403)
    if access == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if access == SIGNED_IN:
        return None
    if access == PLATFORM_ADMIN:
        if not current_user.is_platform_admin:
            abort(404)
        return None
    if g.get("tenant") is None or g.get("membership") is None:
        abort(404)
    if not has_permission(access):
        abort(403)
    return None


# --- object rules -------------------------------------------------------------------------------

@dataclass
class Policy:
    """Which rows of a model a member may see (or, for an action, act on): all of them for some
    roles, else any criterion contributed for one of the member's roles (features add criteria,
    e.g. panels for members)."""

    sees_all_roles: frozenset[str]
    criteria: dict[str, list[Callable]]

    def criterion(self, membership):
        roles = membership.roles
        if roles & self.sees_all_roles:
            return None
        clauses = [make(membership) for role in roles for make in self.criteria.get(role, [])]
        clauses = [c for c in clauses if c is not None]
        return or_(*clauses) if clauses else false()


# Keyed by (model, action): action None is who may see a row; an action (a permission, such as
# "tracking.arrange") is who may do that to it. An action with no rule registered allows nothing.
_policies: dict[tuple[type, str | None], Policy] = {}


def _check_action(action: str | None) -> None:
    if action is not None and action not in PERMISSIONS:
        raise ValueError(f"unknown permission {action!r}")


def register_policy(model, *, sees_all_roles=frozenset(), action: str | None = None):
    """Declare ``model`` protected: seen (or, with ``action``, acted on) only through rules."""
    _check_action(action)
    _policies[(model, action)] = Policy(frozenset(sees_all_roles), {})


def grant_visibility(model, role: str, action: str | None = None):
    """Decorator: ``fn(membership) -> SQL criterion`` widening what ``role`` sees of ``model``
    (or, with ``action``, which rows of it ``role`` may do that to)."""

    def decorator(fn):
        _policies[(model, action)].criteria.setdefault(role, []).append(fn)
        return fn

    return decorator


@contextmanager
def as_member(membership):
    """Within the block, permissions and object rules are ``membership``'s: a job building what one
    member may read (their papers pack) sees exactly what their own request would. The request's or
    job's own member is put back after."""
    had, before = "membership" in g, g.get("membership")
    g.membership = membership
    try:
        yield
    finally:
        if had:
            g.membership = before
        else:
            g.pop("membership", None)


def visible(stmt, model, action: str | None = None):
    """Restrict a SELECT of ``model`` to the rows the current member may see, or with ``action``
    to those they may do it to (which also needs the permission itself)."""
    criterion = _restriction(model, action)
    return stmt if criterion is None else stmt.where(criterion)


def _restriction(model, action: str | None):
    """None (no rule restricts it), ``false()`` (nothing: no member, no permission, no rule for the
    action) or the member's criterion."""
    _check_action(action)
    policy = _policies.get((model, action))
    if policy is None:
        return None if action is None else false()
    membership = g.get("membership")
    if membership is None or (action is not None and not has_permission(action)):
        return false()
    return policy.criterion(membership)


def can_see(obj, action: str | None = None) -> bool:
    """Whether the current member may see ``obj`` (or, with ``action``, do that to it)."""
    model = type(obj)
    if (model, action) not in _policies and action is None:
        return True
    criterion = _restriction(model, action)
    if criterion is false():  # no permission: nothing to ask the database
        return False
    stmt = select(model.id).where(model.id == obj.id)
    if criterion is not None:
        stmt = stmt.where(criterion)
    return db.session.execute(stmt).first() is not None


# Rules on things the terms of reference name rather than rows (a panel, by its body id): keyed by
# (kind, action), each ``rule(membership, name) -> bool`` says whether a holder of the action may do
# it to that one (panels: who may add a sitting to a panel, from its ``extra_sittings_by``).
_named_rules: dict[tuple[str, str], Callable] = {}


def register_named_rule(kind: str, action: str, rule: Callable) -> None:
    _check_action(action)
    _named_rules[(kind, action)] = rule


def permits(action: str, kind: str, name: str) -> bool:
    """Whether the current member holds ``action`` and may do it to the ``kind`` named ``name``."""
    _check_action(action)
    membership = g.get("membership")
    if membership is None or not has_permission(action):
        return False
    rule = _named_rules.get((kind, action))
    return rule is None or bool(rule(membership, name))


def load_or_404(model, ident, action: str | None = None):
    """Load a protected record for the current member: another tenant's row is a 404, a row of
    this council the member may not see (or, with ``action``, may not do that to) is a 403, and
    the read of a sensitive record is noted for the response's one read event (``audit.note_read``)."""
    obj = get_or_404(model, ident)
    if not can_see(obj) or (action is not None and not can_see(obj, action)):
        abort(403)
    # A record that shows other sensitive records (an agenda item shows its children) is a read of them.
    audit.note_shown((obj,))
    return obj
