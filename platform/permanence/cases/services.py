"""Changing a child's record. Callers commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from . import codes
from .models import Child, LegalStatus


def children_for_listing(stmt):
    """A SELECT of children with what a list shows (team, social worker) loaded up front, not per row."""
    return stmt.options(selectinload(Child.team), selectinload(Child.social_worker))


class ChildError(ValueError):
    """Bad input for a child's record; ``field`` says where."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def update_child(child: Child, data: dict) -> Child:
    """Apply validated fields; a case number already used by another child of the council is refused."""
    case_number = data.get("case_number")
    if case_number is not None and case_number != child.case_number:
        taken = db.session.execute(
            select(Child.id).where(Child.case_number == case_number, Child.id != child.id)
        ).first()
        if taken:
            raise ChildError(f"Case number {case_number} is already used by another child", "case_number")
    for key, value in data.items():
        setattr(child, key, value)
    db.session.flush()
    return child


def record_legal_status(child: Child, code: str | None, start: date | None) -> LegalStatus:
    """A change of legal status from ``start``: the current status ends that day (spans end
    exclusive, as in the 903). A status cannot start before the child's birth, before or on the
    start of the latest recorded status; the change is audited like every history row."""
    code = (code or "").strip().upper()
    if not code:
        raise ChildError("Enter the legal status code, for example C2 or E1", "code")
    if start is None:
        raise ChildError("Enter the date the legal status started", "start")
    if code not in codes.LEGAL_STATUSES:
        raise ChildError(f"Legal status {code} is not a known SSDA903 code", "code")
    if child.date_of_birth is not None and start < child.date_of_birth:
        raise ChildError(f"The legal status cannot start before the child's birth on {child.date_of_birth:%-d %B %Y}",
                         "start")
    latest = child.legal_statuses[-1] if child.legal_statuses else None
    if latest is not None and start <= latest.start:
        raise ChildError(f"The legal status must start after the latest one recorded, from {latest.start:%-d %B %Y}",
                         "start")
    if latest is not None and latest.code == code and (latest.end is None or latest.end >= start):
        raise ChildError(f"The child already has legal status {code} on that day", "code")
    if latest is not None and (latest.end is None or latest.end > start):
        latest.end = start
    status = LegalStatus(code=code, start=start)
    child.legal_statuses.append(status)
    db.session.flush()
    return status
