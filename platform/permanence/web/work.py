"""What needs doing, for the home page: each member's due work from every feature, soonest first,
each line linking to where it is done.

One function per kind of work, chosen by the member's access roles; each reads through the object
rules (``visible``), so a line never names a child the member may not see (and reading one is
audited like any list). Lines are bounded (``LIMIT`` of each kind), so a home page costs the same
in a council of 50 children as in one of 2,000. Nothing here takes a request object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..accounts.models import GrantStatus, Membership, RoleGrant, User
from ..accounts.permissions import visible
from ..accounts.roles import permissions_for
from ..agenda.services import booked_items
from ..cases.models import Child
from ..deliveries.models import DecisionDelivery, DeliveryStatus
from ..documents.services import paperwork_status
from ..extensions import db
from ..meetings.record import awaiting_sign_off
from ..minutes.services import minutes_due
from ..panels.models import (Action, ActionStatus, AgendaItem, Declaration, ItemStatus, Meeting, MeetingStatus,
                             MinutesStatus, PanelMember, Ruling, TrackingSlot)
from ..panels.services import body_of, meeting_deadlines, panel_bodies
from ..referrals.services import may_quality_assure, paperwork_for
from ..tracker.models import Drift, Escalation, Milestone

LIMIT = 12  # lines of one kind; the rest are one "and N more" line to the full list
AHEAD = timedelta(days=28)  # how far ahead a home page looks
SOON = timedelta(days=7)  # a deadline this close is "about to pass"
REFERRAL_OPEN = (ItemStatus.DRAFT, ItemStatus.RETURNED)
ON_AGENDA = (ItemStatus.BOOKED, ItemStatus.SUBMITTED, ItemStatus.LATE_PENDING)


@dataclass(frozen=True)
class Task:
    """One line of the list: what to do, by when (None: no date, shown last) and where."""

    due: date | None
    kind: str  # "Referral", "Papers", "Action", ... (a tag on the line)
    what: str
    endpoint: str
    args: dict = field(default_factory=dict)
    detail: str = ""

    @property
    def sort_key(self):
        return (self.due is None, self.due or date.max, self.kind, self.what)


@dataclass
class Sitting:
    """A sitting in the next four weeks as the panel administrator and chair need it."""

    meeting: Meeting
    body: str
    published: bool
    booked: int
    waiting: int  # referrals submitted or proposed, not yet booked
    papers_missing: int  # booked items with a required paper missing
    deadlines: list  # (label, date) still to come


def _more(tasks: list[Task], total: int, kind: str, what: str, endpoint: str, args: dict | None = None):
    if total > len(tasks):
        n = total - len(tasks)
        tasks.append(Task(None, kind, what.format(n=n, s="" if n == 1 else "s"), endpoint, args or {}))
    return tasks


def _meeting_label(meeting: Meeting) -> str:
    return f"{body_of(meeting).name}, {meeting.date:%-d %B %Y}"


# --- social worker --------------------------------------------------------------------------------

def referrals_to_finish(user, today: date) -> list[Task]:
    """The member's own referrals still being written, or sent back by the team manager."""
    stmt = (visible(select(AgendaItem), AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.referred_by_id == user.id, AgendaItem.status.in_(REFERRAL_OPEN),
                   Meeting.status == MeetingStatus.SCHEDULED, Meeting.date >= today).order_by(Meeting.date))
    tasks = []
    for item in db.session.execute(stmt.limit(LIMIT)).scalars():
        deadline = _deadline(item.meeting, "referrals")
        returned = item.status == ItemStatus.RETURNED
        tasks.append(Task(deadline or item.meeting.date, "Referral",
                          f"{'Revise' if returned else 'Finish'} the referral of {item.subject_name}",
                          "referrals.show", {"agenda_item_id": item.id},
                          ("Sent back by the team manager. " if returned else "")
                          + f"For {_meeting_label(item.meeting)}"
                          + (f"; referrals close {deadline:%-d %B}" if deadline else "")))
    return tasks


def _deadline(meeting: Meeting, kind: str) -> date | None:
    return next((d.due for d in meeting_deadlines(meeting) if d.kind == kind), None)


def _mine_on_agendas(user, today: date):
    """Items on coming sittings the member presents or whose child is theirs."""
    mine = or_(AgendaItem.presenter_id == user.id, AgendaItem.second_presenter_id == user.id,
               AgendaItem.referred_by_id == user.id,
               AgendaItem.child_id.in_(select(Child.id).where(Child.social_worker_id == user.id)))
    return (visible(select(AgendaItem), AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(mine, AgendaItem.status.in_(ON_AGENDA), Meeting.status == MeetingStatus.SCHEDULED,
                   Meeting.date >= today, Meeting.date <= today + AHEAD)
            .order_by(Meeting.date, AgendaItem.position))


def papers_due(user, today: date) -> list[Task]:
    """Items of the member's on coming agendas with a required paper still missing."""
    items = db.session.execute(_mine_on_agendas(user, today).limit(LIMIT * 2)).scalars().all()
    tasks = []
    for item in items:
        status = paperwork_status("agenda_item", [item.id], paperwork_for(item))[item.id]
        if status.complete:
            continue
        due = _deadline(item.meeting, "papers") or item.meeting.date
        tasks.append(Task(due, "Papers", f"Upload {', '.join(p.label for p in status.missing)} for "
                                         f"{item.subject_name}",
                          "agenda.item", {"agenda_item_id": item.id},
                          f"For {_meeting_label(item.meeting)}, {_part(item)}"
                          + ("" if item.status == ItemStatus.BOOKED else " (submitted, not yet booked)")))
    return tasks[:LIMIT]


def _part(item: AgendaItem) -> str:
    part = next((p for p in body_of(item.meeting).agenda_parts if p.id == item.part_id), None)
    return part.title if part else item.part_id


def meetings_to_attend(user, today: date) -> list[Task]:
    """Sittings where the member presents a child, with the item's slot when the agenda gives one."""
    stmt = _mine_on_agendas(user, today).where(
        or_(AgendaItem.presenter_id == user.id, AgendaItem.second_presenter_id == user.id))
    tasks = []
    for item in db.session.execute(stmt.limit(LIMIT)).scalars():
        slot = f" at {item.starts_at:%H:%M}" if item.starts_at else ""
        tasks.append(Task(item.meeting.date, "Meeting", f"Present {item.subject_name}{slot}",
                          "agenda.agenda", {"meeting_id": item.meeting_id}, _meeting_label(item.meeting)))
    return tasks


def my_actions(user, today: date) -> list[Task]:
    """The member's open actions, overdue or due in the next four weeks."""
    stmt = (visible(select(Action), Action)
            .where(Action.owner_id == user.id, Action.status == ActionStatus.OPEN, Action.due_on <= today + AHEAD)
            .order_by(Action.due_on, Action.id))
    actions, total = _first_and_total(stmt.options(selectinload(Action.child)), LIMIT)
    tasks = [Task(a.due_on, "Action", _clip(a.description), "actions.mine", {},
                  f"For {a.child.name}" if a.child else "")
             for a in actions]
    return _more(tasks, total, "Action", "{n} more of your actions", "actions.mine")


# --- team manager ---------------------------------------------------------------------------------

def referrals_to_assure(user, roles, today: date) -> list[Task]:
    """Referrals waiting for the member's quality assurance."""
    stmt = (visible(select(AgendaItem), AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.status == ItemStatus.AWAITING_QA).order_by(Meeting.date, AgendaItem.id))
    tasks = []
    for item in db.session.execute(stmt.limit(LIMIT * 3)).scalars():
        if item.qa_assignee_id not in (None, user.id) or not may_quality_assure(item, user, roles):
            continue
        deadline = _deadline(item.meeting, "referrals")
        tasks.append(Task(deadline or item.meeting.date, "Quality assurance",
                          f"Quality-assure the referral of {item.subject_name}", "referrals.show",
                          {"agenda_item_id": item.id},
                          f"From {item.referred_by.name if item.referred_by else 'the social worker'}, for "
                          f"{_meeting_label(item.meeting)}"))
    return tasks[:LIMIT]


def team_overdue_actions(membership, today: date) -> list[Task]:
    """The team's overdue actions, oldest first."""
    if membership.team_id is None:
        return []
    stmt = (visible(select(Action), Action).join(Child, Child.id == Action.child_id)
            .where(Child.team_id == membership.team_id, Action.status == ActionStatus.OPEN, Action.due_on < today)
            .order_by(Action.due_on, Action.id))
    actions, total = _first_and_total(stmt.options(selectinload(Action.child), selectinload(Action.owner)), LIMIT)
    tasks = [Task(a.due_on, "Team action", _clip(a.description), "cases.child", {"child_id": a.child_id},
                  f"{a.child.name}; {a.owner.name if a.owner else 'no one'} owns it")
             for a in actions]
    return _more(tasks, total, "Team action", "{n} more overdue action{s} in your team", "tracker.mine")


def team_drift(membership, today: date) -> list[Task]:
    """Open drift on the team's children, oldest due date first."""
    if membership.team_id is None:
        return []
    return _drift_lines(select(Child.id).where(Child.team_id == membership.team_id), "Team drift")


DRIFT_LINES = 5  # drift is listed oldest first; more would bury the week's work under it


def _drift_lines(children, kind: str, *, endpoint_all: str = "tracker.mine") -> list[Task]:
    stmt = (visible(select(Drift), Drift).where(Drift.closed_on.is_(None), Drift.child_id.in_(children))
            .order_by(Drift.due, Drift.id))
    rows, total = _first_and_total(stmt, DRIFT_LINES)
    names = _child_names({d.child_id for d in rows})
    tasks = [Task(d.due, kind, f"{d.label}", "tracker.drift", {"drift_id": d.id},
                  f"{names.get(d.child_id, '')}; missed on {d.due:%-d %B %Y}"
                  + (f"; escalated (step {d.level})" if d.level else ""))
             for d in rows]
    return _more(tasks, total, kind, "{n} more open drift item{s}", endpoint_all)


def tracking_days_to_agree(membership, tor) -> list[Task]:
    """A team with no agreed tracking meeting days for a body that holds tracking meetings."""
    if membership.team_id is None or tor is None:
        return []
    from_tor = [b for b in tor.bodies if getattr(b, "meeting_days", None)]
    if not from_tor:
        return []
    agreed = set(db.session.execute(select(TrackingSlot.body_id).where(
        TrackingSlot.team_id == membership.team_id)).scalars())
    return [Task(None, "Tracking meetings", f"Agree your team's days for {b.name}", "tracking_meetings.days", {})
            for b in from_tor if b.id not in agreed]


# --- chair and panel administrator -------------------------------------------------------------

def coming_sittings(tor, today: date, *, ahead: timedelta = AHEAD) -> list[Sitting]:
    """Panel sittings of the next four weeks with their agenda's state (a child's own tracking
    meetings are counted apart: ``tracking_meetings_ahead``). Counts only: no child is named."""
    if tor is None:
        return []
    meetings = db.session.execute(
        select(Meeting).where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.date >= today,
                              Meeting.body_id.in_([b.id for b in panel_bodies(tor)]),
                              Meeting.date <= today + ahead).order_by(Meeting.date, Meeting.id).limit(LIMIT)
    ).scalars().all()
    if not meetings:
        return []
    ids = [m.id for m in meetings]
    counts = {(meeting_id, status): n for meeting_id, status, n in db.session.execute(
        select(AgendaItem.meeting_id, AgendaItem.status, func.count()).where(AgendaItem.meeting_id.in_(ids))
        .group_by(AgendaItem.meeting_id, AgendaItem.status)).all()}
    sittings = []
    for meeting in meetings:
        booked = booked_items(meeting)
        missing = 0
        by_part: dict[str, list[AgendaItem]] = {}
        for item in booked:
            by_part.setdefault(item.part_id, []).append(item)
        for part_items in by_part.values():
            statuses = paperwork_status("agenda_item", [i.id for i in part_items], paperwork_for(part_items[0]))
            missing += sum(1 for s in statuses.values() if not s.complete)
        waiting = sum(counts.get((meeting.id, s), 0) for s in
                      (ItemStatus.SUBMITTED, ItemStatus.LATE_PENDING, ItemStatus.PROPOSED))
        sittings.append(Sitting(
            meeting, body_of(meeting).name, meeting.agenda_published_at is not None, len(booked), waiting, missing,
            [(d.label, d.due) for d in meeting_deadlines(meeting) if d.due >= today and d.kind != "minutes"]))
    return sittings


def tracking_meetings_ahead(tor, today: date) -> list[Task]:
    """One line for the children's own tracking meetings of the coming week, however many there are."""
    if tor is None:
        return []
    tracking = [b.id for b in tor.bodies if b.kind == "tracking_meeting"]
    if not tracking:
        return []
    meetings = db.session.execute(select(Meeting.date).where(
        Meeting.status == MeetingStatus.SCHEDULED, Meeting.body_id.in_(tracking), Meeting.date >= today,
        Meeting.date <= today + SOON).order_by(Meeting.date)).scalars().all()
    if not meetings:
        return []
    return [Task(meetings[0], "Tracking meetings",
                 f"{len(meetings)} tracking {'meeting' if len(meetings) == 1 else 'meetings'} in the next seven days",
                 "tracking_meetings.upcoming", {}, "Check each has its papers and its people")]


def deadlines_about_to_pass(sittings: list[Sitting], today: date) -> list[Task]:
    return [Task(due, "Deadline", f"{label}: {s.body}, {s.meeting.date:%-d %B}", "agenda.agenda",
                 {"meeting_id": s.meeting.id},
                 f"{s.booked} booked, {s.waiting} waiting to be booked, {s.papers_missing} with papers missing")
            for s in sittings for label, due in s.deadlines if due <= today + SOON]


def referrals_to_book(today: date) -> list[Task]:
    """Referrals submitted to the panel administrator and not yet booked, by sitting."""
    # Grouped by the key (the other columns follow from it): PostgreSQL cannot group by a JSON column.
    rows = db.session.execute(
        select(Meeting, func.count(AgendaItem.id)).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.status.in_((ItemStatus.SUBMITTED, ItemStatus.PROPOSED)),
               Meeting.status == MeetingStatus.SCHEDULED, Meeting.date >= today, Meeting.date <= today + AHEAD)
        .group_by(Meeting.id).order_by(Meeting.date).limit(LIMIT)).all()
    return [Task(_deadline(m, "referrals") or m.date, "Referrals",
                 f"{n} {'referral or proposal' if n == 1 else 'referrals and proposals'} to book or decline",
                 "referrals.meeting", {"meeting_id": m.id}, _meeting_label(m)) for m, n in rows]


def minutes_to_finish(today: date, *, approving: bool) -> list[Task]:
    """Sat meetings whose minutes are not yet circulated (the panel administrator) or approved (the chair)."""
    meetings = db.session.execute(
        select(Meeting).where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.date < today,
                              Meeting.date >= today - timedelta(days=90),
                              Meeting.id.in_(select(AgendaItem.meeting_id).where(
                                  AgendaItem.status == ItemStatus.HEARD)))
        .order_by(Meeting.date).limit(LIMIT * 2)).scalars().all()
    tasks = []
    for meeting in meetings:
        status = meeting.minutes.status if meeting.minutes else None
        if approving and status != MinutesStatus.DRAFT:
            continue
        if not approving and status == MinutesStatus.CIRCULATED:
            continue
        due = minutes_due(meeting)
        doing = ("Approve the minutes" if approving else
                 "Circulate the minutes" if status == MinutesStatus.APPROVED else "Write up the minutes")
        tasks.append(Task(due.due if due else None, "Minutes", f"{doing}: {_meeting_label(meeting)}",
                          "minutes.show", {"meeting_id": meeting.id}))
    return tasks[:LIMIT]


def deliveries_waiting() -> list[Task]:
    """Decision records not yet in the case record system (failed, or not yet tried), as one line."""
    stmt = select(DecisionDelivery.id).where(DecisionDelivery.status.in_(
        (DeliveryStatus.FAILED, DeliveryStatus.PENDING, DeliveryStatus.SENDING)))
    waiting = _count(stmt)
    failed = _count(stmt.where(DecisionDelivery.status == DeliveryStatus.FAILED))
    if not waiting:
        return []
    return [Task(None, "Case records", f"{waiting} decision {'record' if waiting == 1 else 'records'} not yet "
                                       f"delivered to the case record system ({failed} failed)",
                 "deliveries.log", {"status": "failed"} if failed else {}, "Send again once the cause is fixed")]


def declarations_to_rule(today: date) -> list[Task]:
    stmt = (select(Declaration).join(Meeting, Meeting.id == Declaration.meeting_id)
            .where(Declaration.ruling == Ruling.PENDING, Meeting.date >= today - timedelta(days=7),
                   Meeting.status == MeetingStatus.SCHEDULED).order_by(Meeting.date, Declaration.id))
    return [Task(d.meeting.date, "Declaration", f"Rule on {d.user.name}'s declaration of interest",
                 "meetings.meeting_record", {"meeting_id": d.meeting_id, "_anchor": "declarations"},
                 _meeting_label(d.meeting))
            for d in db.session.execute(stmt.limit(LIMIT)).scalars()]


def late_referrals_to_rule(today: date) -> list[Task]:
    stmt = (visible(select(AgendaItem), AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.status == ItemStatus.LATE_PENDING, Meeting.date >= today).order_by(Meeting.date))
    return [Task(i.meeting.date, "Late referral", f"Decide whether the late referral of {i.subject_name} is heard",
                 "referrals.late_ruling", {"agenda_item_id": i.id}, _meeting_label(i.meeting))
            for i in db.session.execute(stmt.limit(LIMIT)).scalars()]


def sign_offs(roles) -> list[Task]:
    return [Task(item.meeting.date, "Sign-off", f"Agree or disagree with the recommendation for {item.subject_name}",
                 "meetings.sign_off", {"agenda_item_id": item.id}, _meeting_label(item.meeting))
            for item in awaiting_sign_off(roles, limit=LIMIT)]


def papers_to_read(user, today: date) -> list[Task]:
    """Published agendas of sittings where the member holds a seat: read the papers before the day."""
    meetings = db.session.execute(
        select(Meeting).where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.date >= today,
                              Meeting.date <= today + AHEAD, Meeting.agenda_published_at.is_not(None),
                              Meeting.body_id.in_(select(PanelMember.body_id).where(
                                  PanelMember.user_id == user.id, PanelMember.active.is_(True))))
        .order_by(Meeting.date).limit(LIMIT)).scalars().all()
    return [Task(m.date, "Papers", f"Read the papers for {_meeting_label(m)}", "agenda.papers_pack",
                 {"meeting_id": m.id}, "Declare any interest before the sitting") for m in meetings]


# --- drift for IROs, senior managers and chairs --------------------------------------------------

def escalations_to(user, today: date) -> list[Task]:
    """Open drift escalated to the member (their address was told) and not yet acknowledged."""
    told = select(Escalation.drift_id).where(Escalation.notified.contains(user.email))
    stmt = (visible(select(Drift), Drift).where(Drift.closed_on.is_(None), Drift.id.in_(told))
            .order_by(Drift.due, Drift.id))
    rows, total = _first_and_total(stmt, DRIFT_LINES)
    names = _child_names({d.child_id for d in rows})
    tasks = [Task(d.due, "Escalation", d.label, "tracker.drift", {"drift_id": d.id},
                  f"{names.get(d.child_id, '')}; missed on {d.due:%-d %B %Y}; step {d.level}") for d in rows]
    return _more(tasks, total, "Escalation", "{n} more escalation{s} to you", "tracker.drift_list")


def council_drift(today: date) -> list[Task]:
    """For a senior manager nobody has escalated to yet: the service's open drift as one line."""
    stmt = visible(select(Drift), Drift).where(Drift.closed_on.is_(None))
    total = _count(stmt)
    if not total:
        return []
    oldest = db.session.execute(select(func.min(Drift.due)).where(Drift.id.in_(stmt.with_only_columns(Drift.id))))\
        .scalar_one()
    new = _count(stmt.where(Drift.opened_on >= today - timedelta(days=7)))
    return [Task(oldest, "Drift", f"{total} open drift {'item' if total == 1 else 'items'} across the service, "
                                  f"{new} new this week", "tracker.drift_list", {},
                 "Acknowledge or escalate where the plan is not moving")]


def my_childrens_drift(user) -> list[Task]:
    mine = select(Child.id).where(or_(Child.iro_id == user.id, Child.social_worker_id == user.id,
                                      Child.team_manager_id == user.id))
    return _drift_lines(mine, "Drift")


def next_reviews(user, today: date) -> list[Task]:
    """Reviews of the IRO's children due in the next four weeks (the tracker's review milestones)."""
    stmt = (visible(select(Milestone), Milestone).join(Child, Child.id == Milestone.child_id)
            .where(Child.iro_id == user.id, Milestone.achieved.is_(None), Milestone.due.is_not(None),
                   Milestone.due <= today + AHEAD, Milestone.due >= today,
                   or_(Milestone.label.ilike("%review%"), Milestone.rule_id.ilike("%review%")))
            .order_by(Milestone.due))
    rows = db.session.execute(stmt.limit(LIMIT)).scalars().all()
    names = _child_names({m.child_id for m in rows})
    return [Task(m.due, "Review", f"{m.label}", "cases.child", {"child_id": m.child_id}, names.get(m.child_id, ""))
            for m in rows]


# --- council administrator ------------------------------------------------------------------------

def role_grants_to_confirm(user) -> list[Task]:
    """Roles that read children, waiting for a second administrator (nobody confirms their own)."""
    grants = db.session.execute(
        select(RoleGrant).where(RoleGrant.status == GrantStatus.PENDING,
                                or_(RoleGrant.requested_by_id.is_(None), RoleGrant.requested_by_id != user.id))
        .order_by(RoleGrant.id).limit(LIMIT)
    ).scalars().all()
    return [Task(None, "Users", f"Confirm or refuse the roles asked for {g.membership.user.name}",
                 "accounts.users", {}) for g in grants]


def invitations_waiting() -> list[Task]:
    pending = db.session.execute(select(func.count()).select_from(Membership).join(User, User.id == Membership.user_id)
                                 .where(Membership.active.is_(True), User.password_hash.is_(None))).scalar_one()
    return [Task(None, "Users", f"{pending} {'person has' if pending == 1 else 'people have'} not yet set a "
                                f"password from their invitation", "accounts.users", {})] if pending else []


# --- together -------------------------------------------------------------------------------------

def work_for(membership, user, tor, today: date) -> list[Task]:
    """Every line of due work for the member's roles, soonest first (undated lines last)."""
    roles = membership.roles
    granted = permissions_for(roles)
    tasks: list[Task] = []
    if "social_worker" in roles:
        tasks += referrals_to_finish(user, today) + papers_due(user, today) + meetings_to_attend(user, today)
    if "actions.update" in granted:
        tasks += my_actions(user, today)
    if "referrals.quality_assure" in granted and "team_manager" in roles:
        tasks += referrals_to_assure(user, roles, today)
    if "team_manager" in roles:
        tasks += team_overdue_actions(membership, today) + team_drift(membership, today)
        tasks += tracking_days_to_agree(membership, tor)
    if "panel_administrator" in roles:
        tasks += referrals_to_book(today) + deadlines_about_to_pass(coming_sittings(tor, today), today)
        tasks += tracking_meetings_ahead(tor, today) + deliveries_waiting()
        tasks += minutes_to_finish(today, approving=False)
    if roles & {"chair", "vice_chair"}:
        if "minutes.approve" in granted:
            tasks += minutes_to_finish(today, approving=True)
        tasks += declarations_to_rule(today) + late_referrals_to_rule(today)
    if "papers.view" in granted:
        tasks += papers_to_read(user, today)  # whoever holds a seat on the panel
    if "meetings.sign_off" in granted:
        tasks += sign_offs(roles)
    if "escalations.manage" in granted:
        told = escalations_to(user, today)
        tasks += told or (council_drift(today) if "senior_manager" in roles else [])
    if "iro" in roles:
        tasks += my_childrens_drift(user) + next_reviews(user, today)
    if "users.manage" in granted:
        tasks += role_grants_to_confirm(user) + invitations_waiting()
    seen, unique = set(), []
    for task in sorted(tasks, key=lambda t: t.sort_key):
        key = (task.kind, task.what, task.endpoint, tuple(sorted(task.args.items())))
        if key not in seen:
            seen.add(key)
            unique.append(task)
    return unique


def _first_and_total(stmt, limit: int) -> tuple[list, int]:
    """The first ``limit`` rows of an ORM select and how many it has in all, in one statement (the
    count is a window over the rows before the limit): a home page's lists each ran their visibility
    clause twice, once to count and once to list."""
    rows = db.session.execute(stmt.add_columns(func.count().over()).limit(limit)).all()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def _count(stmt) -> int:
    return db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


def _child_names(ids) -> dict[int, str]:
    if not ids:
        return {}
    return {c.id: c.name for c in db.session.execute(select(Child).where(Child.id.in_(ids))).scalars()}


def _clip(text: str, limit: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
