"""Changing a child's record. Callers commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from . import codes
from .models import Child, ChildFlag, KeyDate, LegalStatus


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


def record_legal_status(child: Child, code: str | None, start: date | None,
                        s20_entry: str | None = None) -> LegalStatus:
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
    s20_entry = (s20_entry or "").strip() or None
    if s20_entry is not None and s20_entry not in codes.S20_ENTRIES:
        raise ChildError(f"How section 20 accommodation began is one of: {', '.join(codes.S20_ENTRIES)}", "s20_entry")
    if s20_entry is not None and code != "V2":
        raise ChildError("Say how accommodation began only for section 20 (V2)", "s20_entry")
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
    status = LegalStatus(code=code, start=start, s20_entry=s20_entry)
    child.legal_statuses.append(status)
    db.session.flush()
    return status


def _check_date(child: Child, day: date | None, today: date, what: str, field: str) -> date:
    if day is None:
        raise ChildError(f"Enter the date {what}", field)
    if day > today:
        raise ChildError(f"The date {what} cannot be in the future (today is {today:%-d %B %Y})", field)
    if child.date_of_birth is not None and day < child.date_of_birth:
        raise ChildError(f"The date {what} cannot be before the child's birth on {child.date_of_birth:%-d %B %Y}",
                         field)
    return day


def record_key_date(child: Child, event: str | None, happened_on: date | None, note: str | None, *, today: date,
                    recorded_by=None) -> KeyDate:
    """A step of the child's plan recorded on the child's page (the agency decision maker's decision,
    the match, ...): a recordable event of the vocabulary, on a day not in the future. The same event
    on the same day is refused; the row is audited and the child's milestones are recomputed."""
    event = (event or "").strip()
    if not event:
        raise ChildError("Choose what happened", "event")
    if event not in codes.RECORDABLE_EVENTS:
        raise ChildError(f"{event!r} is not an event recorded on the child's page; choose one of the list", "event")
    _check_date(child, happened_on, today, "it happened", "happened_on")
    if any(k.event == event and k.happened_on == happened_on for k in child.key_dates):
        raise ChildError(f"{codes.RECORDABLE_EVENTS[event][0].upper()}{codes.RECORDABLE_EVENTS[event][1:]} is "
                         f"already recorded on {happened_on:%-d %B %Y}", "happened_on")
    row = KeyDate(event=event, happened_on=happened_on, note=(note or "").strip()[:500] or None,
                  recorded_by_id=getattr(recorded_by, "id", None))
    child.key_dates.append(row)
    db.session.flush()
    return row


def record_circumstance(child: Child, flag: str | None, start: date | None, end: date | None, note: str | None, *,
                        today: date) -> ChildFlag:
    """A circumstance from ``start`` (until ``end``, exclusive, if it has ended): one a person records,
    not one the record derives (in proceedings, care leaver, ...); it cannot begin in the future."""
    flag = (flag or "").strip()
    if not flag:
        raise ChildError("Choose the circumstance", "flag")
    if flag not in codes.RECORDED_FLAGS:
        raise ChildError(f"{flag!r} is not a circumstance recorded on the child's page; choose one of the list", "flag")
    _check_date(child, start, today, "it began", "start")
    if end is not None and end <= start:
        raise ChildError("The date it ended must be after the date it began", "end")
    row = ChildFlag(flag=flag, start=start, end=end, note=(note or "").strip()[:500] or None)
    child.flags.append(row)
    db.session.flush()
    return row
