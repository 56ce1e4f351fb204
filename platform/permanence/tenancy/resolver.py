"""Resolve the tenant from the URL, in exactly one place.

Every tenant route starts ``/<tenant_slug>/``. The resolver loads the tenant, sets
the tenant context (which scopes every ORM query) and the signed-in user's
membership. A tenant that does not exist, is not open, or of which the user is
not a member is a 404: the response never confirms another council's data, nor names it (the
error page is the web shell's, which names a council only to its members).
"""

from __future__ import annotations

from flask import abort, current_app, g, request
from sqlalchemy import select
from werkzeug.local import LocalProxy

from ..core import context
from ..extensions import db
from .models import Tenant, TenantStatus

current_tenant = LocalProxy(lambda: g.get("tenant"))


def resolve_tenant():
    """before_request: set ``g.tenant`` from ``/<tenant_slug>/...`` and scope the session to it."""
    g.tenant = None
    g.membership = None
    slug = (request.view_args or {}).get("tenant_slug")
    if slug is None:
        return
    tenant = db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        abort(404)
    g.tenant = tenant
    g.tenant_token = context.set_tenant_id(tenant.id)


def release_tenant(exc=None):
    token = g.pop("tenant_token", None)
    if token is not None:
        context.reset_tenant_id(token)


def inject_tenant_slug(endpoint, values):
    """url_defaults: inside a tenant, ``url_for`` fills in the tenant's slug by itself."""
    tenant = g.get("tenant")
    if tenant is not None and "tenant_slug" not in values:
        if current_app.url_map.is_endpoint_expecting(endpoint, "tenant_slug"):
            values["tenant_slug"] = tenant.slug
