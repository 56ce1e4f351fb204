"""Creating and changing tenants (the platform admin's work)."""

from __future__ import annotations

import re

from sqlalchemy import select

from ..audit import services as audit
from ..extensions import db
from .models import RESERVED_SLUGS, Tenant, TenantStatus

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class TenantError(ValueError):
    pass


def validate_slug(slug: str) -> str:
    if not SLUG_PATTERN.match(slug or ""):
        raise TenantError(
            f"'{slug}' is not a valid address: use lower-case letters, digits and hyphens, 1 to 63 characters"
        )
    if slug in RESERVED_SLUGS:
        raise TenantError(f"'{slug}' is reserved; choose another address")
    return slug


def create_tenant(slug: str, name: str, *, status: TenantStatus = TenantStatus.ACTIVE) -> Tenant:
    """Create a council. Callers commit."""
    validate_slug(slug)
    if not (name or "").strip():
        raise TenantError("the council's name is required")
    if db.session.execute(select(Tenant.id).where(Tenant.slug == slug)).first():
        raise TenantError(f"a tenant with the address '{slug}' already exists")
    tenant = Tenant(slug=slug, name=name.strip(), status=status)
    db.session.add(tenant)
    db.session.flush()
    audit.record("create", entity_type="Tenant", entity_id=tenant.id,
                 summary=f"Tenant {slug} created ({status.value})")
    return tenant


def set_tenant_status(tenant: Tenant, status: TenantStatus) -> None:
    before = tenant.status
    tenant.status = status
    db.session.flush()
    audit.record("update", entity_type="Tenant", entity_id=tenant.id,
                 summary=f"Tenant {tenant.slug} {status.value}",
                 changes={"status": {"before": before.value, "after": status.value}})


def get_tenant(slug: str) -> Tenant | None:
    return db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()


def list_tenants() -> list[Tenant]:
    return list(db.session.execute(select(Tenant).order_by(Tenant.name)).scalars())


def active_tenant_ids() -> list[int]:
    """The open councils: whom periodic jobs run for."""
    return list(db.session.execute(select(Tenant.id).where(Tenant.status == TenantStatus.ACTIVE)).scalars())
