"""What each member's home page shows, by role. No Flask request objects here."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select

from ..accounts.models import Team
from ..accounts.permissions import visible
from ..accounts.roles import ROLES, permissions_for
from ..cases.models import Child
from ..cases.services import children_for_listing
from ..extensions import db
from ..meetings.record import awaiting_sign_off
from ..minutes.services import minutes_overview
from ..onboarding.services import member_checklist
from ..panels.models import Action, ActionStatus, Meeting, MeetingStatus
from ..panels.services import body_of
from ..tor.services import current_tor, review_section
from ..tracker.drift import escalation_outlook
from ..tracker.models import Drift
from .work import coming_sittings, work_for

ROLE_PURPOSE = {
    "tenant_admin": "You administer this council's users, terms of reference and audit log.",
    "panel_administrator": "You keep the panel's bookings, agendas, papers, minutes and tracker.",
    "chair": "You chair the panel: agendas, decisions, minutes and escalation of drift.",
    "vice_chair": "You deputise for the chair.",
    "panel_member": "You sit on the panel and read the papers of the children on its agendas.",
    "iro": "You review the children allocated to you and challenge drift.",
    "team_manager": "You quality-assure your team's referrals and are accountable for their actions.",
    "social_worker": "You refer your children to the panel, present them and carry their actions.",
    "senior_manager": "You oversee the whole service: every child's milestones and drift, the meetings with their "
                      "records, minutes and decisions, and the actions agreed. You read them but do not change "
                      "them. You receive escalations, acknowledge and escalate drift, and agree or disagree with "
                      "the recommendations the terms of reference name you to sign off. Papers stay with the "
                      "people working on each child and the panel.",
}


def home_sections(membership, user, today: date) -> list[dict]:
    """Sections of the home page, in order, for the member's roles: what needs doing first."""
    roles = membership.roles
    granted = permissions_for(roles)
    tor = current_tor(membership.tenant_id)
    sections = [{"kind": "work", "tasks": work_for(membership, user, tor, today), "today": today}]
    if "panels.manage" in granted or roles & {"chair", "vice_chair"}:
        sections.append({"kind": "sittings", "rows": coming_sittings(tor, today)})
    sections.append({"kind": "roles", "items": [(ROLES[r], ROLE_PURPOSE[r]) for r in sorted(roles)]})
    if "users.manage" in granted:
        sections.append({"kind": "onboarding", "checklist": member_checklist(membership.tenant_id, granted, today)})
    if "minutes.oversee" in granted:
        sections.append(oversight_section(membership, granted, today))
    if "meetings.sign_off" in granted:
        items = awaiting_sign_off(roles)
        if items:
            sections.append({"kind": "sign_off", "items": [(item, body_of(item.meeting).name) for item in items]})
    if "children.view" in granted:
        sections.append(children_section(user, roles))
    if "reports.view" in granted:
        by_team = db.session.execute(
            select(func.coalesce(Child.team_id, 0), func.count()).group_by(Child.team_id)
        ).all()
        names = {t.id: t.name for t in db.session.execute(select(Team)).scalars()}
        sections.append({
            "kind": "figures",
            "rows": sorted((names.get(team_id, "No team"), count) for team_id, count in by_team),
            "total": sum(count for _, count in by_team),
        })
    if "tor.propose" in granted:
        sections.append(review_section(membership.tenant_id))
    if "users.manage" in granted or "audit.view" in granted:
        sections.append({"kind": "admin"})
    return sections


OWN_CHILDREN_ROLES = {"social_worker", "team_manager", "iro"}


def children_section(user, roles) -> dict:
    """'Your children' (allocated to the member as social worker, team manager or IRO) apart from
    the children they can see through their team or role; a member with no allocation of their own
    sees the children they can see."""
    # Each statement gets its own clauses: SQLAlchemy's compiled-statement cache missed every time a
    # statement reused parts of one already run (the ORM marks a subquery it compiles).
    total = _count(visible(select(Child), Child))
    own = bool(roles & OWN_CHILDREN_ROLES)
    stmt = visible(select(Child), Child)
    if own:
        stmt = stmt.where(or_(Child.social_worker_id == user.id, Child.team_manager_id == user.id,
                              Child.iro_id == user.id))
    stmt = stmt.order_by(Child.last_name, Child.first_name)
    shown_total = _count(stmt) if own else total
    children = list(db.session.execute(children_for_listing(stmt).limit(10)).scalars())
    return {"kind": "children", "own": own, "total": total, "shown_total": shown_total, "children": children}


def _count(stmt) -> int:
    return db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def oversight_section(membership, granted, today: date) -> dict:
    """The service at a glance, each figure with the page that shows it (read-only for a senior
    manager): the tracker, open drift and how far it has climbed, the next sittings, actions and
    minutes. ``rows`` are (label, endpoint, url arguments, what it shows now)."""
    rows = []
    if "tracker.view" in granted:
        children = _count(visible(select(Child.id), Child))
        drifting = _count(visible(select(Child.id), Child).where(
            Child.id.in_(select(Drift.child_id).where(Drift.closed_on.is_(None)))))
        rows.append(("Permanence tracker", "tracker.tracker", {},
                     f"{children} {'child' if children == 1 else 'children'}, {drifting} with drift"))
    if "escalations.manage" in granted:
        # Counted by ladder, step and due date (a few hundred groups), not one object per open drift.
        groups = db.session.execute(
            visible(select(Drift.ladder_id, Drift.level, Drift.due, func.count()), Drift)
            .where(Drift.closed_on.is_(None)).group_by(Drift.ladder_id, Drift.level, Drift.due)).all()
        tor = current_tor(membership.tenant_id)
        open_drift = sum(n for *_, n in groups)
        escalated = sum(n for _, level, _, n in groups if level)
        due = sum(n for ladder_id, level, due_on, n in groups
                  if escalation_outlook(tor, Drift(ladder_id=ladder_id, level=level, due=due_on), today).pending)
        month_ago = today - timedelta(days=28)
        then = _count(visible(select(Drift.id), Drift).where(
            Drift.opened_on <= month_ago, or_(Drift.closed_on.is_(None), Drift.closed_on > month_ago)))
        trend = ("up" if open_drift > then else "down" if open_drift < then else "level")
        text = f"{open_drift} open, {escalated} escalated; {trend} from {then} four weeks ago"
        if due:
            text += f", {due} due to escalate at the next nightly run"
        rows.append(("Drift and escalations", "tracker.drift_list", {}, text))
    if "panels.view" in granted:
        sittings = db.session.execute(
            select(Meeting).where(Meeting.date >= today, Meeting.status == MeetingStatus.SCHEDULED)
            .order_by(Meeting.date, Meeting.id).limit(3)).scalars().all()
        text = "; ".join(f"{body_of(m).name}, {m.date:%-d %B %Y}" for m in sittings) or "No sitting scheduled"
        rows.append(("Meetings", "panels.meetings", {}, f"Next: {text}" if sittings else text))
    if "actions.oversee" in granted:
        open_actions = visible(select(Action.id), Action).where(Action.status == ActionStatus.OPEN)
        overdue = _count(open_actions.where(Action.due_on < today))
        rows.append(("Actions", "actions.council", {"overdue": "y"} if overdue else {},
                     f"{_count(open_actions)} open, {overdue} overdue"))
    if "reports.view" in granted:
        rows.append(("Reports and measures", "reports.index", {},
                     "Each panel's figures by quarter and year; the reports the terms of reference ask for"))
    if "minutes.oversee" in granted:
        late = len(minutes_overview(today, overdue_only=True))
        rows.append(("Minutes", "minutes.overview", {"overdue": "y"} if late else {},
                     f"{late} {'meeting' if late == 1 else 'meetings'} with minutes overdue" if late
                     else "No minutes overdue"))
    return {"kind": "oversight", "rows": rows}
