"""The tenant: one council using the platform."""

from __future__ import annotations

import enum

from sqlalchemy import String, false
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Timestamped
from ..extensions import db


class TenantStatus(str, enum.Enum):
    DRAFT = "draft"  # onboarding: configuration loaded, not yet open to its users
    ACTIVE = "active"
    SUSPENDED = "suspended"


RESERVED_SLUGS = frozenset({"admin", "api", "static", "sign-in", "sign-out", "tenants", "account", "health"})


class Tenant(Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[TenantStatus] = mapped_column(
        db.Enum(TenantStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=TenantStatus.DRAFT,
    )
    # The council's own choice: its administrators sign in with a code as well as the password
    # (``accounts.two_factor.required_of``).
    admins_need_two_factor: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The council's choice: its timeliness measures (figures only, small counts hidden) appear beside other
    # sharing councils' in the cross-council view (``measures.across``).
    shares_measures: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"
