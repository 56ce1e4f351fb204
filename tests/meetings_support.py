"""Shared set-up of the meeting tests: a seed council with a sitting held today, its seats filled
by fictional people, and children booked on its agenda (made directly with the models, as the
referral and agenda features are built alongside)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from permanence.cases.models import Child
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.panels.models import AgendaItem, ItemStatus, Meeting, MeetingStatus, PanelMember
from permanence.panels.services import london_today
from permanence.tor.services import active_version
from tracker_support import load_seed as load_council  # noqa: F401  (a seed council, open, its ToR in force)

# The monthly tracking meeting (seed 003): chaired by a service manager, quorum 3 with the service
# manager; its "senior manager decision" outcome needs a senior manager's sign-off.
MONTHLY = {"slug": "monthly-tracking-overview", "body": "tracking-meeting", "part": "permanency-tracking"}
KNOWSLEY = {"slug": "knowsley", "body": "permanency-panel", "part": "adoption-tracking"}


def sitting(app, tenant, body_id: str, *, days_from_today: int = 0) -> int:
    """A scheduled sitting of ``body_id``; returns its id."""
    with app.app_context(), tenant_context(tenant.id):
        meeting = Meeting(body_id=body_id, tor_version_id=active_version(tenant.id).id,
                          date=london_today() + timedelta(days=days_from_today), status=MeetingStatus.SCHEDULED,
                          venue="Room 1, Fictional Town Hall")
        db.session.add(meeting)
        commit()
        return meeting.id


def seat(app, tenant, body_id: str, user, role: str, title: str = "") -> None:
    with app.app_context(), tenant_context(tenant.id):
        db.session.add(PanelMember(body_id=body_id, user_id=user.id, role=role, title=title))
        commit()


def book(app, tenant, meeting_id: int, part_id: str, child, status=ItemStatus.BOOKED) -> int:
    with app.app_context(), tenant_context(tenant.id):
        item = AgendaItem(meeting_id=meeting_id, part_id=part_id, child_id=child.id, status=status,
                          entry_route="cohort_rule", reason="In the cohort of the agenda part")
        db.session.add(item)
        commit()
        return item.id


def monthly_meeting(app, make_user, make_child):
    """The monthly tracking meeting sitting today: a chair in the service manager's seat, three team
    managers and an IRO seated, a panel administrator, a senior manager (not seated) and a social
    worker; two children booked; a later sitting to defer to."""
    tenant = load_council(app, MONTHLY["slug"])
    people = {
        "chair": make_user(tenant, ["chair"], email="chair@monthly.example.org", name="Casey Chair"),
        "admin": make_user(tenant, ["panel_administrator"], email="admin@monthly.example.org", name="Alex Admin"),
        "tm1": make_user(tenant, ["panel_member"], email="tm1@monthly.example.org", name="Tara Manager"),
        "tm2": make_user(tenant, ["panel_member"], email="tm2@monthly.example.org", name="Toby Manager"),
        "iro": make_user(tenant, ["panel_member"], email="iro@monthly.example.org", name="Ira Reviewer"),
        "senior": make_user(tenant, ["senior_manager"], email="senior@monthly.example.org", name="Sam Senior"),
        "worker": make_user(tenant, ["social_worker"], email="worker@monthly.example.org", name="Wes Worker"),
        "team_manager": make_user(tenant, ["team_manager"], email="tmgr@monthly.example.org", name="Tess Teamlead"),
    }
    body = MONTHLY["body"]
    seat(app, tenant, body, people["chair"], "service-manager", "Chair (Service Manager, Corporate Parenting)")
    seat(app, tenant, body, people["tm1"], "team-manager", "Adoption Team Manager")
    seat(app, tenant, body, people["tm2"], "team-manager", "LAC 0-17 Team Manager")
    seat(app, tenant, body, people["iro"], "independent-reviewing-officer", "IRO representative")
    meeting_id = sitting(app, tenant, body)
    later_id = sitting(app, tenant, body, days_from_today=28)
    children = [make_child(tenant, first_name="Fictional", last_name="Ash"),
                make_child(tenant, first_name="Fictional", last_name="Birch")]
    items = [book(app, tenant, meeting_id, MONTHLY["part"], c) for c in children]
    return {"tenant": tenant, "people": people, "meeting_id": meeting_id, "later_id": later_id, "items": items,
            "children": children}


def present(rows, **statuses):
    """The attendance rows (as the API lists them) with each seat's status set; ``statuses`` maps a
    user id (as ``u<id>``) to a status, everyone else present."""
    out = []
    for row in rows:
        entry = {k: row[k] for k in ("id", "user_id", "name", "role", "title") if k in row}
        entry["status"] = statuses.get(f"u{row.get('user_id')}", "present")
        if entry["status"] == "represented":
            entry["represented_by"] = "Rita Deputy"
        out.append(entry)
    return out


def emails(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return [(m.to_address, m.subject, m.body) for m in db.session.execute(
            select(EmailMessage).order_by(EmailMessage.id)).scalars()]


def item_of(app, tenant, item_id):
    with app.app_context(), tenant_context(tenant.id):
        item = db.session.get(AgendaItem, item_id)
        db.session.expunge(item)
        return item


def items_of(app, tenant, meeting_id):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
                                  .order_by(AgendaItem.id)).scalars().all()
        db.session.expunge_all()
        return rows


def child_ids(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return list(db.session.execute(select(Child.id).order_by(Child.id)).scalars())
