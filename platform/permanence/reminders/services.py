"""Who is due which reminder today, in the council's own words, sent once each.

One pass per council a day (``jobs.send_reminders_job``). Each reminder has a key naming its
kind, its subject and the deadline it is about, so ``queue_email(reminder_key=...)`` sends it
once to each person however often the job runs; a meeting moved to another date has a new
deadline and is reminded afresh. Windows are in working days, from the council's ToR
(``reminders:`` section), before the deadline the ToR sets for the meeting (``deadlines:``).
"Agenda published" is sent by the agenda feature when it publishes. Nothing here commits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..accounts.services import holders
from ..cases.models import child_reference
from ..core.context import current_tenant_id
from ..core.workdays import add_working_days
from ..documents.services import paperwork_status
from ..documents.subjects import subject
from ..extensions import db
from ..notifications.kinds import ACTIONS, REMINDERS
from ..notifications.services import Part, already_sent, link_to, queue_email, queue_grouped
from ..panels.models import (Action, ActionStatus, AgendaItem, ItemStatus, Meeting, MeetingStatus, Minutes,
                             MinutesStatus, PanelMember)
from ..panels.services import body_of, meeting_deadlines
from ..referrals.rules import referral_deadline
from ..tor.services import current_tor

REFERRAL_STAGES = {
    ItemStatus.DRAFT: "still in draft",
    ItemStatus.AWAITING_QA: "awaiting quality assurance",
    ItemStatus.RETURNED: "returned for changes",
    ItemStatus.PROPOSED: "proposed, and not referred yet",
}
HELD = (ItemStatus.BOOKED, ItemStatus.HEARD, ItemStatus.DEFERRED, ItemStatus.NOT_HEARD)


def long_date(day: date) -> str:
    return f"{day:%A %-d %B %Y}"


@dataclass(frozen=True)
class Reminder:
    """One reminder for one person: its kind, its once-only key, and the placeholder values."""

    kind: str
    key: str
    user: User
    values: dict

    @property
    def to(self) -> str:
        return self.user.email


def _people(*users: User | None) -> list[User]:
    seen, result = set(), []
    for user in users:
        if user is not None and user.active and user.email and user.email.lower() not in seen:
            seen.add(user.email.lower())
            result.append(user)
    return result


def _in_window(today: date, deadline: date, days_before: int, until: date | None = None) -> bool:
    """From ``days_before`` working days before ``deadline`` until ``until`` (the deadline itself)."""
    return add_working_days(deadline, -days_before) <= today <= (until or deadline)


def _deadline(meeting: Meeting, kind: str):
    return next((d for d in meeting_deadlines(meeting) if d.kind == kind), None)


def _upcoming_meetings(today: date) -> list[Meeting]:
    return list(db.session.execute(
        select(Meeting).where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.date >= today)
        .options(selectinload(Meeting.items)).order_by(Meeting.date, Meeting.id)).scalars())


def _item_link(endpoint: str, item: AgendaItem) -> str:
    return link_to(endpoint, agenda_item_id=item.id)


def _item_values(item: AgendaItem, body, deadline: date) -> dict:
    return {"child": child_reference(item.children), "panel": body.name, "meeting_date": long_date(item.meeting.date),
            "deadline": long_date(deadline)}


def referral_deadline_reminders(tor, today: date) -> Iterable[Reminder]:
    """Referrals not yet submitted (to the child's social worker and team manager, and whoever
    started the referral) and proposals not yet referred (to the team manager) as the
    referral deadline of their meeting approaches."""
    wording = tor.reminders["referral_deadline"]
    if not wording.enabled:
        return
    for meeting in _upcoming_meetings(today):
        deadline = referral_deadline(meeting_deadlines(meeting))  # the cut-off as the referrals read it
        if deadline is None or not _in_window(today, deadline.due, wording.days_before):
            continue
        body = body_of(meeting)
        for item in meeting.items:
            if item.status not in REFERRAL_STAGES:
                continue
            children = item.children
            if item.status == ItemStatus.PROPOSED:
                people = _people(*(c.team_manager for c in children))
            else:
                people = _people(item.referred_by, *(u for c in children for u in (c.social_worker, c.team_manager)))
            values = {**_item_values(item, body, deadline.due), "part": _part_title(body, item),
                      "status": REFERRAL_STAGES[item.status], "link": _item_link("referrals.show", item)}
            key = f"referral_deadline:item-{item.id}:{deadline.due.isoformat()}"
            for user in people:
                yield Reminder("referral_deadline", key, user, {**values, "name": user.name})


def _part_title(body, item: AgendaItem) -> str:
    try:
        return body.part(item.part_id).title
    except KeyError:
        return item.part_id


def _paperwork_of(item: AgendaItem, body) -> tuple:
    """The ToR paperwork of the item, as the papers subject "agenda_item" lists it."""
    registered = subject("agenda_item")
    if registered is not None and registered.paperwork is not None:
        return tuple(registered.paperwork(item))
    try:
        return body.paperwork_for(item.part_id)
    except KeyError:
        return body.paperwork


def papers_missing_reminders(tor, today: date) -> Iterable[Reminder]:
    """Booked items whose required papers are not in, from N working days before the papers
    deadline until the meeting: to the child's social worker and team manager and the presenter."""
    wording = tor.reminders["papers_missing"]
    if not wording.enabled:
        return
    for meeting in _upcoming_meetings(today):
        deadline = _deadline(meeting, "papers")
        if deadline is None or not _in_window(today, deadline.due, wording.days_before, until=meeting.date):
            continue
        body = body_of(meeting)
        for item in meeting.items:
            if item.status != ItemStatus.BOOKED:
                continue
            paperwork = _paperwork_of(item, body)
            missing = paperwork_status("agenda_item", [item.id], paperwork)[item.id].missing if paperwork else ()
            if not missing:
                continue
            people = _people(*(u for c in item.children for u in (c.social_worker, c.team_manager)), item.presenter)
            values = {**_item_values(item, body, deadline.due), "papers": "\n".join(f"- {p.label}" for p in missing),
                      "link": _item_link("agenda.item", item)}
            key = f"papers_missing:item-{item.id}:{deadline.due.isoformat()}"
            for user in people:
                yield Reminder("papers_missing", key, user, {**values, "name": user.name})


def _responsible(tor, meeting: Meeting, role_id: str | None) -> list[User]:
    """The people in the ToR role ``role_id`` for the meeting's body: those seated in it, else the
    council's members holding the role's access role."""
    role_id = role_id or "panel-administrator"
    seated = db.session.execute(
        select(User).join(PanelMember, PanelMember.user_id == User.id)
        .where(PanelMember.body_id == meeting.body_id, PanelMember.role == role_id, PanelMember.active.is_(True))
        .order_by(User.email)).scalars().all()
    if seated:
        return _people(*seated)
    role = tor.roles.get(role_id)
    access = role.access_role if role is not None else role_id.replace("-", "_")
    return _people(*holders(access, by_email=True))


def minutes_due_reminders(tor, today: date) -> Iterable[Reminder]:
    """Meetings held (with items on their agenda) whose minutes are not circulated, from N working
    days before the minutes deadline until it: to the body's panel administrators."""
    wording = tor.reminders["minutes_due"]
    if not wording.enabled:
        return
    earliest = add_working_days(today, -60)  # no deadline in the ToRs is further than this
    meetings = db.session.execute(
        select(Meeting).where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.date < today,
                              Meeting.date >= earliest,
                              Meeting.id.in_(select(AgendaItem.meeting_id).where(AgendaItem.status.in_(HELD))))
        .order_by(Meeting.date, Meeting.id)).scalars().all()
    circulated = set(db.session.execute(select(Minutes.meeting_id).where(
        Minutes.meeting_id.in_([m.id for m in meetings]), Minutes.status == MinutesStatus.CIRCULATED)).scalars())
    for meeting in meetings:
        deadline = _deadline(meeting, "minutes")
        if meeting.id in circulated or deadline is None or not _in_window(today, deadline.due, wording.days_before):
            continue
        body = body_of(meeting)
        values = {"panel": body.name, "meeting_date": long_date(meeting.date), "deadline": long_date(deadline.due),
                  "link": link_to("minutes.show", meeting_id=meeting.id)}
        key = f"minutes_due:meeting-{meeting.id}:{deadline.due.isoformat()}"
        for user in _responsible(tor, meeting, deadline.responsible):
            yield Reminder("minutes_due", key, user, {**values, "name": user.name})


def actions_due_reminders(tor, today: date) -> Iterable[Reminder]:
    """Open actions due within N working days, or overdue: to the action's owner."""
    wording = tor.reminders["actions_due"]
    if not wording.enabled:
        return
    horizon = add_working_days(today, wording.days_before)
    actions = db.session.execute(
        select(Action).where(Action.status == ActionStatus.OPEN, Action.due_on <= horizon,
                             Action.owner_id.is_not(None)).order_by(Action.due_on, Action.id)).scalars().all()
    link = link_to("actions.mine") if actions else ""
    names = {b.id: b.name for b in tor.bodies}
    for action in actions:
        owner = _people(action.owner)
        if not owner:
            continue
        panel = names.get(action.agenda_item.meeting.body_id, "") if action.agenda_item else ""
        about = [action.child] if action.child else (action.agenda_item.children if action.agenda_item else [])
        values = {"name": owner[0].name, "child": child_reference(about),
                  "action": action.description, "deadline": long_date(action.due_on), "panel": panel, "link": link}
        yield Reminder("actions_due", f"actions_due:action-{action.id}:{action.due_on.isoformat()}", owner[0], values)


FINDERS = (referral_deadline_reminders, papers_missing_reminders, minutes_due_reminders, actions_due_reminders)


def due_reminders(today: date) -> list[Reminder]:
    """Every reminder due today in the current council (before checking what was already sent)."""
    tor = current_tor(current_tenant_id())
    if tor is None:
        return []
    return [reminder for finder in FINDERS for reminder in finder(tor, today)]


def send_due_reminders(today: date) -> dict[str, int]:
    """Queue today's reminders not sent before; returns how many of each kind were queued. A person
    due several in this run gets them in ONE e-mail (``notifications.services.queue_grouped``), each
    reminder still keyed, so still sent once, and each still held for the person's daily digest
    where they chose it."""
    tor = current_tor(current_tenant_id())
    sent: Counter = Counter()
    by_person: dict[str, list[tuple[Reminder, Part]]] = {}
    for reminder in due_reminders(today):
        if already_sent(reminder.key, reminder.to):
            continue
        subject, body = tor.reminders[reminder.kind].render(reminder.values)
        kind = ACTIONS if reminder.kind == "actions_due" else REMINDERS
        by_person.setdefault(reminder.to.lower(), []).append(
            (reminder, Part(subject, body, reminder_key=reminder.key, kind=kind)))
    for items in by_person.values():
        seen = set()
        items = [(r, p) for r, p in items if not (r.key in seen or seen.add(r.key))]
        reminder = items[0][0]
        if len(items) == 1:
            queue_email(reminder.to, items[0][1].subject, items[0][1].body, reminder_key=reminder.key,
                        kind=items[0][1].kind)
        else:
            queue_grouped(reminder.to, [p for _, p in items], f"Your reminders for {long_date(today)}: {len(items)}",
                          f"Dear {reminder.user.name},\n\nYou have {len(items)} reminders from Permanence today, "
                          "together in this e-mail.")
        for r, _ in items:
            sent[r.kind] += 1
    return dict(sent)


def preview_due_reminders(today: date) -> list[dict]:
    """Today's reminders as they would be sent, each saying whether it already went (sends nothing)."""
    tor = current_tor(current_tenant_id())
    result = []
    for reminder in due_reminders(today):
        subject, body = tor.reminders[reminder.kind].render(reminder.values)
        result.append({"kind": reminder.kind, "key": reminder.key, "to": reminder.to, "subject": subject,
                       "body": body, "already_sent": already_sent(reminder.key, reminder.to)})
    return result
