"""Shared set-up of the actions and minutes tests: Redbridge's Permanence Tracking Panel with a
heard meeting, made directly with the models (the referral, agenda and record flows are other
features). Today is Monday 1 March 2027; the meeting sat on Wednesday 17 February 2027.

``panel(app, make_user, make_child)`` returns a namespace with the tenant, the people (two chairs,
a panel administrator, a social worker, a partner agency member with a seat, an outsider), the
children and the ids of the meeting and its items. Everything is synthetic and fictional.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from permanence.cases.models import Child, SiblingGroup
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels.models import (Action, AgendaItem, Attendance, AttendanceStatus, Declaration, ItemStatus,
                                      Meeting, PanelMember, Ruling)
from permanence.tor.services import active_version
from tracker_support import load_seed

TODAY = date(2027, 3, 1)
SAT_ON = date(2027, 2, 17)
NEXT_SITTING = date(2027, 3, 3)


@pytest.fixture
def fixed_today(travel):
    """The platform's "today" is TODAY."""
    travel(TODAY)
    return TODAY


def build_panel(app, make_user, make_child):
    tenant = load_seed(app, "redbridge")
    chair = make_user(tenant, ["chair"], name="Fictional Chair Amara", email="chair@example.org")
    vice = make_user(tenant, ["vice_chair"], name="Fictional Vice-chair Bryn", email="vice@example.org")
    admin = make_user(tenant, ["panel_administrator"], name="Fictional Administrator Cleo", email="admin@example.org")
    worker = make_user(tenant, ["social_worker"], name="Fictional Worker Dev", email="worker@example.org")
    partner = make_user(tenant, ["panel_member"], name="Fictional Nurse Esme", email="nurse@example.org")
    outsider = make_user(tenant, ["social_worker"], name="Fictional Outsider Finn", email="outsider@example.org")
    child = make_child(tenant, case_number="RB-CASE-0042", first_name="Fictional", last_name="Ollie",
                       social_worker=worker)
    with app.app_context(), tenant_context(tenant.id):
        version = active_version(tenant.id)
        group = SiblingGroup(name="Fictional Moss siblings")
        db.session.add(group)
        db.session.flush()
        sib1 = Child(case_number="RB-SIB-0001", first_name="Fictional", last_name="Moss-One",
                     date_of_birth=date(2019, 5, 1), sibling_group_id=group.id)
        sib2 = Child(case_number="RB-SIB-0002", first_name="Fictional", last_name="Moss-Two",
                     date_of_birth=date(2021, 5, 1), sibling_group_id=group.id)
        db.session.add_all([sib1, sib2])
        meeting = Meeting(body_id="ptp", tor_version_id=version.id, date=SAT_ON, added_by_hand=True, venue="Town Hall",
                          starts_at=datetime(2027, 2, 17, 10, tzinfo=timezone.utc), quorate=True,
                          quorate_parts={"new-to-care": True, "in-proceedings": True})
        later = Meeting(body_id="ptp", tor_version_id=version.id, date=NEXT_SITTING, added_by_hand=True)
        db.session.add_all([meeting, later])
        db.session.add(PanelMember(body_id="ptp", user_id=partner.id, role="cla-nurse", title="CLAFH Nurse"))
        item = AgendaItem(meeting=meeting, part_id="new-to-care", child_id=child.id, status=ItemStatus.HEARD, position=1,
                          discussion="Fictional discussion: placement stable, contact going well.",
                          care_plan_confirmed=True, legal_status_confirmed=True,
                          outcome_id="decisions-and-actions", decision="Continue the plan for long-term fostering.",
                          next_review_on=date(2027, 5, 19))
        group_item = AgendaItem(meeting=meeting, part_id="in-proceedings", sibling_group_id=group.id,
                                status=ItemStatus.HEARD, position=2, discussion="Fictional: viability assessments due.",
                                outcome_id="escalate-to-managing-director", decision="Escalate the delay.",
                                sign_off_role="head-of-service")
        next_item = AgendaItem(meeting=later, part_id="new-to-care", child_id=child.id, status=ItemStatus.BOOKED)
        db.session.add_all([item, group_item, next_item])
        db.session.add_all([
            Attendance(meeting=meeting, user_id=chair.id, role="head-of-service", title="Chair",
                       status=AttendanceStatus.PRESENT),
            Attendance(meeting=meeting, user_id=partner.id, role="cla-nurse", title="CLAFH Nurse",
                       status=AttendanceStatus.PRESENT),
            Attendance(meeting=meeting, user_id=admin.id, role="panel-administrator", title="Panel Administrator",
                       status=AttendanceStatus.APOLOGIES),
            Attendance(meeting=meeting, name="Fictional Head Teacher", role="virtual-school-head",
                       title="Virtual Head Teacher", status=AttendanceStatus.REPRESENTED,
                       represented_by="Fictional Deputy Head"),
        ])
        db.session.add(Declaration(meeting=meeting, agenda_item=group_item, user_id=partner.id,
                                   interest="Knows the foster carer", ruling=Ruling.LEAVE, ruled_by_id=chair.id))
        item.presenter_id = worker.id
        commit()
        ids = SimpleNamespace(meeting=meeting.id, later=later.id, item=item.id, group_item=group_item.id,
                              next_item=next_item.id, sib1=sib1.id, sib2=sib2.id, group=group.id)
    return SimpleNamespace(tenant=tenant, chair=chair, vice=vice, admin=admin, worker=worker, partner=partner,
                           outsider=outsider, child=child, ids=ids, slug=tenant.slug)


@pytest.fixture
def panel(app, make_user, make_child):
    return build_panel(app, make_user, make_child)


def add_action_row(app, panel, item_id, *, owner, description="Book the medical with the CLA nurse", due_on=None,
                   child_id=None):
    """An action straight into the database (e.g. one already overdue, which the form refuses)."""
    with app.app_context(), tenant_context(panel.tenant.id):
        item = db.session.get(AgendaItem, item_id)
        action = Action(agenda_item_id=item.id, child_id=child_id if child_id is not None else item.child_id,
                        description=description, owner_id=owner.id, due_on=due_on or date(2027, 2, 24))
        db.session.add(action)
        commit()
        return action.id
