"""Papers: documents attached to a subject (a child, an agenda item), each kept in versions.

The bytes live in the database (``DocumentVersion.content``), never at a path on disk, and are
only ever served through the download view, which checks the reader is entitled to the
document's subject. URLs name a document by a random token, never by a counting id.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.clock import utcnow
from ..core.db import TenantScoped, Timestamped
from ..extensions import db

OTHER = "other"  # paperwork_id of a paper that is not one of the ToR's paperwork items


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Document(TenantScoped, Timestamped, db.Model):
    """One paper about one subject, e.g. the care plan for a child, in as many versions as were uploaded.

    ``subject_type`` names a subject registered with ``documents.register_subject`` and
    ``subject_id`` its row. ``slot`` is what a new upload is matched on: the paperwork id for a
    ToR paperwork item (one care plan per child), or ``other:<title>`` for other papers.
    """

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("tenant_id", "subject_type", "subject_id", "slot"),
        Index("ix_document_subject", "subject_type", "subject_id"),
    )
    __audit__ = True
    __audit_exclude__ = ("token",)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    paperwork_id: Mapped[str] = mapped_column(String(100))
    slot: Mapped[str] = mapped_column(String(320))
    title: Mapped[str] = mapped_column(String(200))
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    current_version: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()
    versions: Mapped[list["DocumentVersion"]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True,
        order_by="DocumentVersion.number.desc()",
    )

    @property
    def latest(self) -> "DocumentVersion | None":
        return self.versions[0] if self.versions else None

    def audit_label(self) -> str:
        return f"Paper '{self.title}' ({self.paperwork_id}) of {self.subject_type} {self.subject_id}"


class DocumentVersion(TenantScoped, db.Model):
    """One uploaded file. ``content`` is deferred so listing versions never reads the bytes."""

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "number"),)
    __audit__ = True
    __audit_exclude__ = ("content",)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")
    uploaded_by: Mapped[User | None] = relationship()

    def audit_label(self) -> str:
        return f"Version {self.number} ({self.filename}) of paper {self.document_id}"


class ConvertedPaper(TenantScoped, db.Model):
    """An Office paper's content converted to PDF by LibreOffice (``documents.convert``), kept by the
    content's SHA-256 so the same version is converted once, however many packs take it in."""

    __tablename__ = "converted_paper"
    __table_args__ = (UniqueConstraint("tenant_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    converted_at: Mapped[datetime] = mapped_column(default=utcnow)
