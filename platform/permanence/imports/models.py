"""Import runs: one upload of an SSDA903 extract or a tracker spreadsheet, and how it went.

The uploaded files are kept in the row itself (``uploads``, a zip of the files as they
arrived), never at a path on disk, so the job that imports them runs the same on a
worker machine as in-process. The page of a run reads its progress counters and its
error report from here while the job works.
"""

from __future__ import annotations

import enum
import io
import zipfile
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.db import TenantScoped, Timestamped
from ..extensions import db


class ImportKind(str, enum.Enum):
    SSDA903 = "ssda903"  # the Header, Episodes and Reviews tables, and any of the return's others
    TRACKER = "tracker"  # the council's own tracker spreadsheet (XLSX or CSV)


KIND_LABELS = {ImportKind.SSDA903: "SSDA903 extract", ImportKind.TRACKER: "Tracker spreadsheet"}


class ImportStatus(str, enum.Enum):
    MAPPING = "mapping"  # uploaded; waiting for the user to confirm which heading is which field
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # the job itself broke; nothing was written

    @property
    def finished(self) -> bool:
        return self in (ImportStatus.DONE, ImportStatus.FAILED)


def _enum(cls):
    return db.Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class ImportRun(TenantScoped, Timestamped, db.Model):
    """One import: what was uploaded, by whom, how far the job has got and what it did."""

    __tablename__ = "import_run"
    __audit__ = True
    # Progress and the report change as the job works; the status and result are what the log needs.
    __audit_exclude__ = ("uploads", "rows_done", "rows_total", "step", "errors", "mapping")

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(_enum(ImportKind))
    status: Mapped[ImportStatus] = mapped_column(_enum(ImportStatus), default=ImportStatus.QUEUED)
    all_or_nothing: Mapped[bool] = mapped_column(default=True)
    file_names: Mapped[list] = mapped_column(JSON, default=list)
    uploads: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only by the job
    mapping: Mapped[dict | None] = mapped_column(JSON)  # heading as in the file -> field ("" = not read)
    encoding: Mapped[str | None] = mapped_column(String(20))  # a 903 run's, as declared; None: worked out
    step: Mapped[str] = mapped_column(String(100), default="")
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)  # [{file, row, column, reason}]
    result: Mapped[dict | None] = mapped_column(JSON)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()

    def audit_label(self) -> str:
        return f"Import {self.id} ({KIND_LABELS[self.kind]}, {self.status.value})"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def percent_done(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    def files(self) -> dict[str, tuple[str, bytes]]:
        """The uploaded files by role (``spreadsheet``; ``header``, ``episodes``, ``reviews`` and the other
        903 tables' roles, ``cases.ssda903.tables``)."""
        return unpack(self.uploads, self.file_names)


def pack(files: dict[str, tuple[str, bytes]]) -> tuple[bytes, list]:
    """``{role: (file name, bytes)}`` as one compressed blob and the list of ``[role, name]``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for role, (_, data) in files.items():
            archive.writestr(role, data)
    return buffer.getvalue(), [[role, name] for role, (name, _) in files.items()]


def unpack(blob: bytes, names: list) -> dict[str, tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        return {role: (name, archive.read(role)) for role, name in names}
