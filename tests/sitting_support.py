"""Shared set-up of the tests that hold a whole sitting: Knowsley's Multi-Agency Permanency Panel
sitting today, and a seed 001 per-child PPTM held today. Everything is synthetic and fictional.

Knowsley's seats are listed in ``KNOWSLEY_SEATS`` with the agenda parts each seat is not needed
for (from ``tenants/knowsley/tor.yaml``), so a test of attendance by agenda part can read them.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from permanence.cases.models import CarePeriod, Child, LegalStatus, Placement
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels.models import AgendaItem, ItemStatus, Meeting, MeetingStatus, PanelMember
from permanence.panels.services import london_today
from permanence.panels.tracking import book_tracking_meeting
from permanence.tor.services import active_version, current_tor
from permanence.tracker.services import recompute_council
from tracker_support import load_seed

PASSWORD_NOTE = "every person's password is factories.PASSWORD"

# key: (access roles, e-mail, name, ToR role of the seat, the council's title, parts not needed for)
KNOWSLEY_SEATS = {
    "chair": (["chair"], "chair@knowsley.example.org", "Fictional Chair Morgan", "senior-manager",
              "Senior Manager Chair", ()),
    "admin": (["panel_administrator"], "admin@knowsley.example.org", "Fictional Admin Pat", "panel-administrator",
              "Administrator", ()),
    "cla": (["panel_member"], "cla@knowsley.example.org", "Fictional Manager Quinn", "team-manager",
            "Team Manager CLA 1 and 2", ()),
    "ypt": (["panel_member"], "ypt@knowsley.example.org", "Fictional Manager Robin", "team-manager",
            "Team Manager, YPT", ("adoption-tracking",)),
    "nurse": (["panel_member"], "nurse@knowsley.example.org", "Fictional Nurse Sasha", "cla-nurse",
              "Specialist Nurse CLA", ()),
    "iro": (["panel_member"], "iro@knowsley.example.org", "Fictional Reviewer Toni", "independent-reviewing-officer",
            "Independent Reviewing Officer", ()),
    "adoption": (["panel_member"], "adoption@knowsley.example.org", "Fictional Manager Uma", "team-manager",
                 "Team Manager, Adoption Service", ("matching-and-approval", "placed-with-parents")),
}


def _meeting(tenant, body_id: str, day: date) -> Meeting:
    meeting = Meeting(body_id=body_id, tor_version_id=active_version(tenant.id).id, date=day,
                      status=MeetingStatus.SCHEDULED, venue="Room 2, Fictional Municipal Buildings")
    db.session.add(meeting)
    return meeting


def knowsley_sitting(app, make_user, make_child):
    """Knowsley's panel sitting today with every seat in ``KNOWSLEY_SEATS`` filled, a social worker,
    and three children booked: two in Part 1 (adoption tracking), one in Part 4 (scrutiny); the
    next sitting in four weeks and another in eight."""
    tenant = load_seed(app, "knowsley")
    people = {key: make_user(tenant, roles, email=email, name=name)
              for key, (roles, email, name, *_rest) in KNOWSLEY_SEATS.items()}
    people["worker"] = make_user(tenant, ["social_worker"], email="worker@knowsley.example.org",
                                 name="Fictional Worker Vic")
    children = [make_child(tenant, first_name="Fictional", last_name=name, case_number=f"KN-FICT-{n}",
                           social_worker=people["worker"])
                for n, name in enumerate(("Alder", "Beech", "Cedar"), 1)]
    today = london_today()
    with app.app_context(), tenant_context(tenant.id):
        for key, (_, _, _, role, title, _) in KNOWSLEY_SEATS.items():
            db.session.add(PanelMember(body_id="permanency-panel", user_id=people[key].id, role=role, title=title))
        meeting = _meeting(tenant, "permanency-panel", today)
        later = _meeting(tenant, "permanency-panel", today + timedelta(weeks=4))
        after = _meeting(tenant, "permanency-panel", today + timedelta(weeks=8))
        items = [AgendaItem(meeting=meeting, part_id=part, child_id=child.id, status=ItemStatus.BOOKED, position=n,
                            entry_route="cohort_rule", reason="In the cohort of the agenda part",
                            presenter_id=people["worker"].id, minutes_allowed=10)
                 for n, (part, child) in enumerate(zip(("adoption-tracking", "adoption-tracking", "scrutiny"),
                                                      children), 1)]
        db.session.add_all(items)
        commit()
        ids = SimpleNamespace(meeting=meeting.id, later=later.id, after=after.id, items=[i.id for i in items])
    return SimpleNamespace(tenant=tenant, slug="knowsley", body="permanency-panel", people=people,
                           children=children, ids=ids)


def pptm_held_today(app, make_user):
    """Seed 001's council with one child under a placement order whose PPTM is booked for today: the
    chair (a team manager in the chair's seat), the child's social worker, team manager and IRO, a
    supervising social worker with a seat, and the Business Support Officer."""
    tenant = load_seed(app, "permanence-panel-pptm")
    people = {
        "chair": make_user(tenant, ["chair"], email="chair@pptm.example.org", name="Fictional Chair Wren"),
        "bso": make_user(tenant, ["panel_administrator"], email="bso@pptm.example.org", name="Fictional Support Xan"),
        "worker": make_user(tenant, ["social_worker"], email="worker@pptm.example.org", name="Fictional Worker Yas"),
        "manager": make_user(tenant, ["team_manager"], email="manager@pptm.example.org", name="Fictional Manager Zed"),
        "iro": make_user(tenant, ["iro"], email="iro@pptm.example.org", name="Fictional Reviewer Abi"),
        "supervising": make_user(tenant, ["panel_member"], email="ssw@pptm.example.org",
                                 name="Fictional Supervisor Bo"),
    }
    today = london_today()
    with app.app_context(), tenant_context(tenant.id):
        child = Child(case_number="PPTM-FICT-1", first_name="Fictional", last_name="Elm",
                      date_of_birth=today - timedelta(days=3 * 365), social_worker_id=people["worker"].id,
                      team_manager_id=people["manager"].id, iro_id=people["iro"].id)
        placed = today - timedelta(weeks=30)
        child.care_periods.append(CarePeriod(start=placed, category_of_need="N1"))
        child.legal_statuses.append(LegalStatus(code="E1", start=placed))
        child.placements.append(Placement(place="U6", provider="PR1", start=placed))
        db.session.add(child)
        for key, role, title in (("chair", "team-manager", "Children in Care team manager"),
                                 ("supervising", "supervising-social-worker", "Supervising social worker"),
                                 ("bso", "panel-administrator", "Business Support Officer")):
            db.session.add(PanelMember(body_id="pptm", user_id=people[key].id, role=role, title=title))
        db.session.flush()
        recompute_council(today)
        body = current_tor(tenant.id).body("pptm")
        item = book_tracking_meeting(child, body, today=today - timedelta(days=1))
        item.meeting.date = today  # held today, whatever day the cadence gave
        commit()
        ids = SimpleNamespace(meeting=item.meeting_id, item=item.id, child=child.id)
    return SimpleNamespace(tenant=tenant, slug="permanence-panel-pptm", people=people, ids=ids)


def booked_at(app, tenant, meeting_id) -> dict[int, tuple[str, str]]:
    """{child id: (status, part)} of the items on a sitting."""
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)).scalars().all()
        return {r.child_id: (r.status.value, r.part_id) for r in rows}
