"""Users are platform-wide; what they may do is per tenant, through memberships."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..core.db import TenantScoped, Timestamped
from ..extensions import db


class User(UserMixin, Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    last_sign_in_at: Mapped[datetime | None]
    # Part of the id every session and remember-me cookie carries (get_id): raising it ends every
    # copy of the user's cookies at once, which a signed cookie alone cannot do.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Two-factor sign-in (accounts.two_factor): the authenticator app's shared secret (base32), and
    # the last time step whose code was accepted, so a code seen over a shoulder cannot be reused.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        """Flask-Login's alternative token: the id and the session version, so a stale cookie loads no one."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Team(TenantScoped, Timestamped, db.Model):
    """A social work team (e.g. Children in Care 1); children and workers belong to teams."""

    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))

    def audit_label(self) -> str:
        return f"Team {self.name}"


class Membership(TenantScoped, Timestamped, db.Model):
    """A user's place in one council: job title, team and roles."""

    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)
    __audit__ = True
    __audit_redact__ = ("calendar_token_hash",)  # the log says the feed address changed, never its hash

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    job_title: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    # SHA-256 of the secret in the member's private calendar feed address; only the hash is kept.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    user: Mapped[User] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship()
    role_assignments: Mapped[list["RoleAssignment"]] = relationship(
        back_populates="membership", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_assignments)

    def audit_label(self) -> str:
        return f"Membership of user {self.user_id}"

    def set_roles(self, roles) -> None:
        wanted = set(roles)
        for assignment in list(self.role_assignments):
            if assignment.role not in wanted:
                self.role_assignments.remove(assignment)
        for role in sorted(wanted - self.roles):
            self.role_assignments.append(RoleAssignment(role=role, tenant_id=self.tenant_id))


class RoleAssignment(TenantScoped, db.Model):
    __table_args__ = (UniqueConstraint("membership_id", "role"),)
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40))

    membership: Mapped[Membership] = relationship(back_populates="role_assignments")

    def audit_label(self) -> str:
        return f"Role {self.role} (membership {self.membership_id})"


class GrantStatus(str, enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"  # replaced by a later change of the same person's roles


class RoleGrant(TenantScoped, db.Model):
    """Roles that would let someone read children, asked for by one administrator and waiting for
    another to confirm them: nobody opens children's records to a person on their own say-so."""

    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    roles: Mapped[list] = mapped_column(JSON)
    status: Mapped[GrantStatus] = mapped_column(
        db.Enum(GrantStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=GrantStatus.PENDING, index=True)
    # Who asked: empty for the command line, whose operator any administrator may answer.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    requested_by_label: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]

    membership: Mapped[Membership] = relationship(lazy="joined")
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def audit_label(self) -> str:
        status = getattr(self.status, "value", self.status)
        return f"Role grant {', '.join(self.roles or [])} (membership {self.membership_id}, {status})"


class ApiToken(TenantScoped, Timestamped, db.Model):
    """A personal API token, scoped to one tenant. Only a SHA-256 of the secret is kept."""

    __audit__ = True
    __audit_exclude__ = ("token_hash", "last_used_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def audit_label(self) -> str:
        return f"API token {self.prefix}… '{self.name}'"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > utcnow()

