"""Stored versions of a council's terms of reference.

Every load of a council's ``tor.yaml`` (command line, central admin upload or a
proposal by the council's own administrator) becomes one immutable
``TorVersion`` row: the exact text, its checksum and who loaded it. Only the
status moves (proposed -> active -> superseded), so a meeting scheduled under
version 3 can always show the rules it ran under.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..core.db import TenantScoped
from ..extensions import db


class TorVersionStatus(str, enum.Enum):
    PROPOSED = "proposed"  # validated and stored, not yet in force
    ACTIVE = "active"  # the rules the council's panels run on; one per council
    SUPERSEDED = "superseded"  # was active (or proposed) and has been replaced


IMMUTABLE_COLUMNS = ("number", "source_text", "checksum", "loaded_by", "loaded_by_user_id", "loaded_at", "tenant_id")


class TorVersion(TenantScoped, db.Model):
    """One loaded terms of reference. Meetings refer to it by ``id``."""

    __tablename__ = "tor_version"
    __audit__ = True
    __audit_exclude__ = ("source_text",)  # the checksum identifies the text; the row keeps it
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_tor_version_tenant_id_number"),
        # The database, not only the service, keeps "exactly one active version per council".
        Index("uq_tor_version_one_active", "tenant_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int]
    # Deferred: every page asks for the version in force, and the parsed text is cached per process
    # (``tor.services._parsed``); the 25 KB is read only on a cache miss or to show it.
    source_text: Mapped[str] = mapped_column(Text, deferred=True)
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="tor.yaml")
    loaded_by: Mapped[str] = mapped_column(String(254))  # "cli", or the user's e-mail address
    loaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[TorVersionStatus] = mapped_column(
        db.Enum(TorVersionStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=TorVersionStatus.PROPOSED,
    )
    activated_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(500), default="")

    def audit_label(self) -> str:
        return f"Terms of reference version {self.number} ({self.status.value})"

    @property
    def short_checksum(self) -> str:
        return self.checksum[:12]


class ImmutableVersionError(RuntimeError):
    """Something tried to change the text or provenance of a stored version."""


@event.listens_for(TorVersion, "before_update")
def _refuse_changes_to_the_text(mapper, connection, target):
    state = db.inspect(target)
    changed = [key for key in IMMUTABLE_COLUMNS if state.attrs[key].history.has_changes()]
    if changed:
        raise ImmutableVersionError(f"a terms of reference version cannot be changed ({', '.join(changed)}); "
                                    "load a new version instead")
