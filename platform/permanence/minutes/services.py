"""Minutes of a meeting: assembled from the record of each item, edited with optimistic locking,
approved by the chair, circulated (as a link, never the text) by the terms of reference's deadline.

No Flask request objects; nothing commits (views and the API commit through ``core.jobs.commit``,
so the circulation e-mails go after the commit). Changes to ``Minutes`` are audited by the ORM hook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import User
from ..audit import services as audit
from ..cases.people import role_holders
from ..core.clock import utcnow
from ..core.signals import minutes_approved
from ..extensions import db
from ..notifications.kinds import DECISIONS
from ..notifications.services import link_to, queue_email
from ..panels import services as panels
from ..panels.models import AgendaItem, ItemStatus, Meeting, MeetingStatus, Minutes, MinutesStatus, PanelMember, Ruling
from ..panels.tracking import TRACKING
from ..tor.fields import MEMBERS
from ..tor.services import tor_of_id
from .assembly import assemble_text, subject

MAX_TEXT = 200_000
OVERDUE_LOOKBACK_DAYS = 366
REVISION_MISSING = "The revision the edit started from is missing; reload the page"


class MinutesError(ValueError):
    """Input that cannot be taken; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class MinutesStateError(Exception):
    """The minutes are not in a state that allows this (e.g. editing approved minutes)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class MinutesConflict(Exception):
    """Someone else saved the minutes since this edit began: nothing was written. Carries what is
    saved now, so the person can compare it with their own text and save again."""

    def __init__(self, minutes: Minutes):
        self.message = "The minutes were changed by someone else; read the saved text and try again"
        super().__init__(self.message)
        self.minutes = minutes
        self.text = minutes.text
        self.revision = minutes.revision
        self.edited_by = minutes.edited_by


class ReplaceNeedsConfirmation(Exception):
    """Assembling again would replace text a person edited; ask them first."""

    def __init__(self, minutes: Minutes):
        super().__init__("The draft has been edited")
        self.minutes = minutes


def minutes_due(meeting: Meeting):
    """The terms of reference's minutes deadline for the meeting (kind ``minutes``), or None."""
    return next((d for d in panels.meeting_deadlines(meeting) if d.kind == "minutes"), None)


def minutes_overdue(meeting: Meeting, today: date) -> bool:
    """Not circulated and the deadline has passed (a meeting with no minutes deadline is never overdue)."""
    if meeting.cancelled:
        return False
    due = minutes_due(meeting)
    minutes = meeting.minutes
    circulated = minutes is not None and minutes.status == MinutesStatus.CIRCULATED
    return due is not None and today > due.due and not circulated


def _check_revision(minutes: Minutes, revision: int | None) -> None:
    if revision is None:
        raise MinutesError("revision", REVISION_MISSING)
    if revision != minutes.revision:
        raise MinutesConflict(minutes)


def _write(minutes: Minutes, **changes) -> None:
    """Make the change in a savepoint; if another session saved first, SQLAlchemy's version counter
    refuses the UPDATE (StaleDataError): only our change is undone, theirs is reloaded, and the
    caller gets a conflict. Nothing else in the transaction is lost."""
    try:
        with db.session.begin_nested():
            for name, value in changes.items():
                setattr(minutes, name, value)
            db.session.flush()
    except StaleDataError:
        db.session.refresh(minutes)
        raise MinutesConflict(minutes) from None


def assemble(meeting: Meeting, by: User, *, replace: bool = False, revision: int | None = None) -> Minutes:
    """Create the draft minutes from the record, or refresh the draft. A draft someone edited by hand
    is only replaced with ``replace=True`` and the ``revision`` they saw (else ``ReplaceNeedsConfirmation``
    or ``MinutesConflict``), so no edit is lost silently."""
    if meeting.cancelled:
        raise MinutesStateError("This meeting was cancelled; it has no minutes")
    text = assemble_text(meeting)
    minutes = meeting.minutes
    if minutes is None:
        minutes = Minutes(meeting_id=meeting.id, text=text, status=MinutesStatus.DRAFT)
        db.session.add(minutes)
        db.session.flush()
        return minutes
    if minutes.status != MinutesStatus.DRAFT:
        raise MinutesStateError("The minutes are approved; reopen them before assembling again")
    if minutes.edited_by_id is not None:
        if not replace:
            raise ReplaceNeedsConfirmation(minutes)
        _check_revision(minutes, revision)
    elif revision is not None:
        _check_revision(minutes, revision)
    if minutes.text == text:
        return minutes
    _write(minutes, text=text, edited_by_id=None)  # assembled, not edited: no confirmation next time
    return minutes


def save_minutes(minutes: Minutes, text: str | None, revision: int | None, by: User) -> Minutes:
    """Save an edit made from ``revision``. A stale revision, or another save landing first, raises
    ``MinutesConflict`` and writes nothing."""
    if minutes.status != MinutesStatus.DRAFT:
        raise MinutesStateError("The minutes are approved; reopen them to edit")
    text = (text or "").replace("\r\n", "\n")
    if not text.strip():
        raise MinutesError("text", "Enter the minutes")
    if len(text) > MAX_TEXT:
        raise MinutesError("text", f"The minutes must be {MAX_TEXT:,} characters or fewer")
    _check_revision(minutes, revision)
    if text == minutes.text:
        return minutes
    _write(minutes, text=text, edited_by_id=by.id)
    return minutes


def unfinished_items(meeting: Meeting) -> list[AgendaItem]:
    """Items still booked on the meeting: neither recorded (heard), deferred nor marked not heard."""
    return [i for i in meeting.items if i.status == ItemStatus.BOOKED]


def unfinished_message(items: list[AgendaItem]) -> str:
    names = ", ".join(subject(i) for i in items)
    return ("The minutes cannot be approved until every item on the agenda is recorded, deferred or marked not "
            f"heard. Still to record: {names}")


def approve_minutes(minutes: Minutes, by: User, revision: int | None) -> Minutes:
    """The chair approves the text they read (``revision``); a later save makes it a conflict. Minutes
    are complete first: an item still booked (not recorded, deferred or marked not heard) refuses,
    naming the items."""
    if minutes.status != MinutesStatus.DRAFT:
        raise MinutesStateError("The minutes are already approved")
    unfinished = unfinished_items(minutes.meeting)
    if unfinished:
        raise MinutesStateError(unfinished_message(unfinished))
    _check_revision(minutes, revision)
    if not minutes.text.strip():
        raise MinutesError("text", "The minutes are empty; write or assemble them first")
    _write(minutes, status=MinutesStatus.APPROVED, approved_by_id=by.id, approved_at=utcnow())
    minutes_approved.send(minutes)  # e.g. the decision records go to the case record system (deliveries)
    return minutes


def reopen_minutes(minutes: Minutes, by: User, reason: str | None) -> Minutes:
    """Approved minutes go back to draft for corrections, with the reason in the audit log.
    Circulated minutes are final: corrections go in the next meeting's minutes."""
    reason = (reason or "").strip()
    if not reason:
        raise MinutesError("reason", "Enter the reason for reopening the minutes")
    if len(reason) > 1000:
        raise MinutesError("reason", "The reason must be 1000 characters or fewer")
    if minutes.status != MinutesStatus.APPROVED:
        raise MinutesStateError("Only approved minutes that have not been circulated can be reopened")
    _write(minutes, status=MinutesStatus.DRAFT, approved_by_id=None, approved_at=None)
    audit.record("reopen", entity=minutes, summary=f"Minutes of meeting {minutes.meeting_id} reopened: {reason}"[:500])
    return minutes


def invitees_of(meeting: Meeting) -> list[User]:
    """The children's own social workers, team managers and IROs (active): invited to a tracking meeting."""
    people = [u for item in meeting.items if item.status in (ItemStatus.HEARD, ItemStatus.DEFERRED,
                                                               ItemStatus.NOT_HEARD)
              for child in item.children for u in (child.social_worker, child.team_manager, child.iro)]
    unique = {u.id: u for u in people if u is not None and u.active}
    return sorted(unique.values(), key=lambda u: (u.name, u.id))


def circulation_list(meeting: Meeting) -> tuple[list[User], dict[int, list[AgendaItem]]]:
    """Who the minutes go to: the body's seated members (active), at a child's tracking meeting the
    child's social worker, team manager and IRO too (they were invited), less anyone the chair ruled
    out of an item of this meeting (they are sent the decision records they may read instead); and
    each presenter with the items they presented."""
    members = list(db.session.execute(
        select(User).join(PanelMember, PanelMember.user_id == User.id)
        .where(PanelMember.body_id == meeting.body_id, PanelMember.active.is_(True), User.active.is_(True))
        .order_by(User.name, User.id)).scalars())
    if panels.body_of(meeting).kind == TRACKING:
        seen = {m.id for m in members}
        members += [u for u in invitees_of(meeting) if u.id not in seen]
    ruled_out = {d.user_id for d in meeting.declarations if d.ruling == Ruling.LEAVE and d.agenda_item_id}
    presenters: dict[int, list[AgendaItem]] = {}
    for item in meeting.items:
        if item.status != ItemStatus.HEARD:
            continue
        for uid in {item.presenter_id, item.second_presenter_id} - {None}:
            presenters.setdefault(uid, []).append(item)
    return [m for m in members if m.id not in ruled_out], presenters


def record_recipients(meeting: Meeting, members: list[User]) -> dict[int, list[AgendaItem]]:
    """Who the ToR's ``record.sent_to`` sends each heard child's decision record to: for each role,
    its holder for that child (the child's own social worker, team manager or IRO; everyone in the
    role otherwise), and with ``members`` each seated member; never anyone ruled out of the item."""
    body = panels.body_of(meeting)
    tor = tor_of_id(meeting.tor_version_id)
    ruled_out = {(d.user_id, d.agenda_item_id) for d in meeting.declarations if d.ruling == Ruling.LEAVE}
    cache: dict = {}
    out: dict[int, list[AgendaItem]] = {}
    for item in meeting.items:
        if item.status != ItemStatus.HEARD:
            continue
        people = {m.id: m for m in members} if MEMBERS in body.record.sent_to else {}
        for role_id in body.record.sent_to:
            if role_id == MEMBERS:
                continue
            for child in item.children:
                people.update({u.id: u for u in role_holders(tor, role_id, child, cache, everyone_if_unallocated=False)})
        for uid in people:
            if (uid, item.id) not in ruled_out and item not in out.get(uid, []):
                out.setdefault(uid, []).append(item)
    return out


def circulate_minutes(minutes: Minutes, by: User) -> list[str]:
    """Send approved minutes: an e-mail with a link (children's details stay in the platform) to the
    seated members and one to each presenter with links to their children's decision records.
    Returns the addresses told."""
    if minutes.status != MinutesStatus.APPROVED:
        raise MinutesStateError("Only approved minutes can be circulated" if minutes.status == MinutesStatus.DRAFT
                                else "The minutes have already been circulated")
    meeting = minutes.meeting
    name = panels.body_of(meeting).name
    when = f"{meeting.date:%A %-d %B %Y}"
    _write(minutes, status=MinutesStatus.CIRCULATED, circulated_at=utcnow())  # first: a conflict sends nothing
    members, presenters = circulation_list(meeting)
    records = record_recipients(meeting, members)
    told = []
    for user in members:
        own = records.pop(user.id, [])
        also = ("\n\nThe decision record for each child:\n\n"
                + "\n".join(link_to("minutes.decision", agenda_item_id=i.id) for i in own)) if own else ""
        queue_email(user.email, f"{name}: minutes of {when}",
                    f"Dear {user.name},\n\nThe approved minutes of the {name} meeting on {when} are ready to read "
                    f"in Permanence:\n\n{link_to('minutes.show', meeting_id=meeting.id)}{also}\n\n"
                    f"They are not attached: children's details stay in the platform.\n\n{name}\n", kind=DECISIONS)
        told.append(user.email)
    member_ids = {u.id for u in members}
    for uid in sorted(set(presenters) | set(records)):
        user = db.session.get(User, uid)
        items = list(dict.fromkeys(presenters.get(uid, []) + records.get(uid, [])))
        if user is None or not user.active or uid in member_ids:
            continue
        links = "\n".join(link_to("minutes.decision", agenda_item_id=i.id) for i in items)
        why = "each child you presented" if uid in presenters and uid not in records else "each child"
        queue_email(user.email, f"{name}: decision records from {when}",
                    f"Dear {user.name},\n\nThe minutes of the {name} meeting on {when} are approved. The decision "
                    f"record for {why} is in Permanence:\n\n{links}\n\n{name}\n", kind=DECISIONS)
        told.append(user.email)
    return told


@dataclass
class MinutesRow:
    meeting: Meeting
    body_name: str
    due: date | None
    status: str
    overdue: bool


def minutes_overview(today: date, *, overdue_only: bool = False) -> list[MinutesRow]:
    """Meetings of the last year that have sat (not cancelled), newest first, with where their
    minutes stand and whether they are overdue."""
    meetings = db.session.execute(
        select(Meeting).where(Meeting.date <= today, Meeting.date >= today - timedelta(days=OVERDUE_LOOKBACK_DAYS),
                              Meeting.status != MeetingStatus.CANCELLED)
        .order_by(Meeting.date.desc(), Meeting.id.desc()).options(selectinload(Meeting.minutes))).scalars().all()
    rows = []
    for meeting in meetings:
        due = minutes_due(meeting)
        overdue = minutes_overdue(meeting, today)
        if overdue_only and not overdue:
            continue
        status = meeting.minutes.status.value if meeting.minutes else "not started"
        rows.append(MinutesRow(meeting, panels.body_of(meeting).name, due.due if due else None, status, overdue))
    return rows
