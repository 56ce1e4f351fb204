"""Changing a child's record. Callers commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import Child


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
