"""Who is acting, and for which tenant, in the current request or job.

Context variables rather than ``flask.g`` so the same scoping works in a request,
a CLI command and an RQ job alike.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    ip: str | None = None


SYSTEM = Actor(user_id=None, label="system")

_tenant_id: ContextVar[int | None] = ContextVar("tenant_id", default=None)
_all_tenants: ContextVar[bool] = ContextVar("all_tenants", default=False)
_actor: ContextVar[Actor] = ContextVar("actor", default=SYSTEM)


def current_tenant_id() -> int | None:
    return _tenant_id.get()


def all_tenants_allowed() -> bool:
    return _all_tenants.get()


def current_actor() -> Actor:
    return _actor.get()


def set_tenant_id(tenant_id: int | None):
    """Set the tenant for the rest of this context; returns a token for ``reset_tenant_id``."""
    token = _tenant_id.set(tenant_id)
    _on_tenant_change(tenant_id)
    return token


def reset_tenant_id(token) -> None:
    _tenant_id.reset(token)
    _on_tenant_change(_tenant_id.get())


def set_actor(actor: Actor):
    token = _actor.set(actor)
    _on_tenant_change(_tenant_id.get())
    return token


@contextmanager
def tenant_context(tenant_id: int | None):
    """Run a block as tenant ``tenant_id`` (CLI, jobs, onboarding, tests)."""
    token = set_tenant_id(tenant_id)
    try:
        yield
    finally:
        reset_tenant_id(token)


@contextmanager
def acting_as(actor: Actor):
    token = set_actor(actor)
    try:
        yield
    finally:
        _actor.reset(token)
        _on_tenant_change(_tenant_id.get())


@contextmanager
def across_all_tenants():
    """Lift tenant scoping for platform maintenance code only (grep for this name in review)."""
    token = _all_tenants.set(True)
    try:
        yield
    finally:
        _all_tenants.reset(token)


_listeners: list = []


def on_tenant_change(func):
    """Register a callback run when the tenant or actor changes (PostgreSQL RLS settings)."""
    _listeners.append(func)
    return func


def _on_tenant_change(tenant_id):
    for func in _listeners:
        func(tenant_id)
