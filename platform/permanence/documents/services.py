"""Papers: attach a file to a subject, list a subject's papers, and which ToR paperwork is in.

No Flask request objects and no commits: the request or job that calls these owns the
transaction. Every check runs before anything is written, so a refused file stores nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, undefer

from ..accounts.permissions import visible
from ..audit import services as audit
from ..extensions import db
from . import subjects
from .checks import PaperError, check_file
from .models import OTHER, Document, DocumentVersion

__all__ = ["PaperError", "attach", "documents_for", "paperwork_status", "PaperworkStatus", "papers_overview"]

PAPERWORK_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
MAX_TITLE = 200


def max_bytes() -> int:
    """The largest paper accepted (``PAPERS_MAX_BYTES``, 20 MB unless configured)."""
    return current_app.config["PAPERS_MAX_BYTES"]


def _registered(subject_type: str) -> subjects.Subject:
    registered = subjects.subject(subject_type)
    if registered is None:
        raise PaperError(f"Papers cannot be attached to '{subject_type}'", field="subject_type")
    return registered


def _slot(paperwork_id: str, title: str) -> str:
    return paperwork_id if paperwork_id != OTHER else f"{OTHER}:{title.casefold()}"


def attach(subject_type: str, subject, *, paperwork_id: str, title: str, filename: str, data: bytes,
           uploaded_by) -> DocumentVersion:
    """Store ``data`` as the next version of the subject's paper for ``paperwork_id`` (a ToR
    paperwork id such as ``care-plan``, or ``other`` with its own title) and return the version.

    ``subject`` is the row or its id, ``uploaded_by`` a ``User`` or user id. The caller has checked
    the uploader may see the subject. Raises ``PaperError`` (message names the file and the reason,
    ``field`` the input) before writing anything.
    """
    registered = _registered(subject_type)
    subject_id = getattr(subject, "id", subject)
    if not isinstance(subject_id, int) or db.session.execute(
            select(registered.model.id).where(registered.model.id == subject_id)).first() is None:
        raise PaperError(f"There is no {subject_type} {subject_id} to attach the paper to", field="subject_id")
    paperwork_id = (paperwork_id or "").strip()
    if not PAPERWORK_ID.match(paperwork_id):
        raise PaperError("Choose which paper this is", field="paperwork_id")
    title = " ".join((title or "").split())
    if not title:
        raise PaperError("Enter a title for the paper, for example Later life letter", field="title")
    if len(title) > MAX_TITLE:
        raise PaperError(f"The title must be {MAX_TITLE} characters or fewer", field="title")
    checked = check_file(filename, data, max_bytes=max_bytes())

    slot = _slot(paperwork_id, title)
    document = db.session.execute(
        select(Document).where(Document.subject_type == subject_type, Document.subject_id == subject_id,
                               Document.slot == slot).with_for_update()
    ).scalar_one_or_none()
    user_id = getattr(uploaded_by, "id", uploaded_by)
    if document is None:
        document = Document(subject_type=subject_type, subject_id=subject_id, paperwork_id=paperwork_id, slot=slot,
                            title=title, current_version=0, created_by_id=user_id)
        db.session.add(document)
    document.current_version += 1
    version = DocumentVersion(document=document, number=document.current_version, filename=checked.filename,
                              media_type=checked.kind.media_type, size=checked.size,
                              sha256=hashlib.sha256(data).hexdigest(), content=data, uploaded_by_id=user_id)
    db.session.add(version)
    db.session.flush()
    for listener in subjects.new_version_listeners(subject_type):
        listener(version)
    return version


def documents_for(subject_type: str, subject_id: int) -> list[Document]:
    """The subject's papers the current member may read, each with its versions (newest first) and
    their uploaders loaded in three queries, whatever the number of papers; never the bytes."""
    stmt = (visible(select(Document), Document)
            .where(Document.subject_type == subject_type, Document.subject_id == subject_id)
            .options(selectinload(Document.versions).joinedload(DocumentVersion.uploaded_by))
            .order_by(Document.title, Document.id))
    return list(db.session.execute(stmt).scalars())


@dataclass(frozen=True)
class PaperworkStatus:
    """Which of the ToR's paperwork items a subject has: ``present`` (any uploaded item) and
    ``missing`` (required items with nothing uploaded)."""

    present: tuple
    missing: tuple

    @property
    def complete(self) -> bool:
        return not self.missing


def paperwork_status(subject_type: str, subject_ids: Iterable[int],
                     paperwork_items: Sequence, *, as_of: datetime | None = None) -> dict[int, PaperworkStatus]:
    """For each subject id, which of ``paperwork_items`` (objects with ``id``, ``label``,
    ``required``, e.g. ``Body.paperwork_for(part)``) are present and which required ones are missing.
    With ``as_of`` (UTC), as they stood then: a paper counts only if a version was uploaded by then
    (the reports' "papers in by the papers deadline").

    One query for all the subjects. It says only whether a paper is in, never its name or
    content, so it does not apply the object rule: a reminder job (no member) and a member who
    must leave an item see the same status as the panel administrator.
    """
    ids = list(dict.fromkeys(subject_ids))
    if not ids:
        return {}
    present: dict[int, set[str]] = defaultdict(set)
    stmt = (select(Document.subject_id, Document.paperwork_id)
            .where(Document.subject_type == subject_type, Document.subject_id.in_(ids), Document.current_version > 0))
    if as_of is not None:
        stmt = stmt.where(Document.id.in_(select(DocumentVersion.document_id)
                                          .where(DocumentVersion.uploaded_at <= as_of))).distinct()
    rows = db.session.execute(stmt).all()
    for subject_id, paperwork_id in rows:
        present[subject_id].add(paperwork_id)
    return {
        subject_id: PaperworkStatus(
            present=tuple(item for item in paperwork_items if item.id in present[subject_id]),
            missing=tuple(item for item in paperwork_items if item.required and item.id not in present[subject_id]),
        )
        for subject_id in ids
    }


# --- for pages ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaperRow:
    """One ToR paperwork item on a subject's page and its paper, if one was uploaded."""

    item: object
    document: Document | None


@dataclass(frozen=True)
class PapersOverview:
    subject_type: str
    subject_id: int
    rows: tuple[PaperRow, ...]
    others: tuple[Document, ...]  # "other" papers, and papers of items the ToR no longer lists


def paperwork_items(subject_type: str, subject) -> tuple:
    """The ToR paperwork items offered for a subject (as its registration says)."""
    registered = _registered(subject_type)
    return tuple(registered.paperwork(subject)) if registered.paperwork else ()


def papers_overview(subject_type: str, subject) -> PapersOverview:
    """A subject's papers the current member may read, laid out by the ToR's paperwork items."""
    items = paperwork_items(subject_type, subject)
    documents = documents_for(subject_type, subject.id)
    by_item = {d.paperwork_id: d for d in documents if d.paperwork_id != OTHER}
    ids = {item.id for item in items}
    return PapersOverview(
        subject_type=subject_type, subject_id=subject.id,
        rows=tuple(PaperRow(item, by_item.get(item.id)) for item in items),
        others=tuple(d for d in documents if d.paperwork_id == OTHER or d.paperwork_id not in ids),
    )


def document_id_for_token(token: str) -> int | None:
    """The id of this council's document with ``token``; the caller loads it through the object rule."""
    if not token or len(token) > 64:
        return None
    return db.session.execute(select(Document.id).where(Document.token == token)).scalar_one_or_none()


def version_of(document: Document, number: int | None = None) -> DocumentVersion | None:
    """A version with its bytes: ``number``, or the latest."""
    return db.session.execute(
        select(DocumentVersion).options(undefer(DocumentVersion.content), joinedload(DocumentVersion.document))
        .where(DocumentVersion.document_id == document.id,
               DocumentVersion.number == (number if number is not None else document.current_version))
    ).scalar_one_or_none()


def record_download(version: DocumentVersion) -> None:
    """Audit one download: who (the current actor) took which version of which paper."""
    document = version.document
    audit.record(
        "download", entity=version,
        summary=f"Downloaded version {version.number} of '{document.title}' ({version.filename}) "
                f"of {document.subject_type} {document.subject_id}",
        changes={"document_id": document.id, "version": version.number, "filename": version.filename,
                 "subject_type": document.subject_type, "subject_id": document.subject_id,
                 "sha256": version.sha256},
    )
