"""Shared set-up of the agenda tests: Knowsley's permanency panel with its sittings generated,
people in the usual roles, and booked items made directly with the models (the referral flow is
built elsewhere). Today is Tuesday 1 December 2026; the first sitting is Wednesday 16 December."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.panels import services as panel_services
from permanence.panels.models import AgendaItem, ItemStatus, Meeting, PanelMember
from tracker_support import load_seed

TODAY = date(2026, 12, 1)
BODY = "permanency-panel"


@pytest.fixture
def panel(app, make_user, make_child, travel):
    """Knowsley with its sittings, an administrator, a chair, a seated partner-agency member, an
    unseated member, a social worker and team manager, and three children allocated to them."""
    travel(TODAY)
    tenant = load_seed(app, "knowsley")
    with app.app_context(), tenant_context(tenant.id):
        panel_services.generate_meetings(tenant.id, TODAY, 26)
        commit()
    people = {
        "admin": make_user(tenant, ["panel_administrator"], email="admin@knowsley.example.org", name="Ada Admin"),
        "chair": make_user(tenant, ["chair"], email="chair@knowsley.example.org", name="Chris Chair"),
        "nurse": make_user(tenant, ["panel_member"], email="nurse@health.example.org", name="Nora Nurse"),
        "outsider": make_user(tenant, ["panel_member"], email="outsider@knowsley.example.org", name="Owen Outsider"),
        "worker": make_user(tenant, ["social_worker"], email="worker@knowsley.example.org", name="Sam Worker"),
        "manager": make_user(tenant, ["team_manager"], email="manager@knowsley.example.org", name="Tess Manager"),
    }
    children = [make_child(tenant, social_worker=people["worker"], team_manager=people["manager"],
                           first_name=name, last_name="Fictional") for name in ("Ava", "Ben", "Cal")]
    with app.app_context(), tenant_context(tenant.id):
        meetings = db.session.execute(select(Meeting).order_by(Meeting.date)).scalars().all()
        ids = [m.id for m in meetings]
    return {"tenant": tenant, **people, "children": children, "meeting_id": ids[0], "next_meeting_id": ids[1]}


def seat(app, tenant, user, role="cla-nurse", title="Specialist Nurse CLA", body=BODY):
    with app.app_context(), tenant_context(tenant.id):
        row = PanelMember(body_id=body, user_id=user.id, role=role, title=title, active=True)
        db.session.add(row)
        commit()
        return row.id


def book(app, tenant, meeting_id, child, part="adoption-tracking", **fields):
    with app.app_context(), tenant_context(tenant.id):
        values = {"status": ItemStatus.BOOKED, "entry_route": "referral", "reason": "Fictional reason", **fields}
        item = AgendaItem(meeting_id=meeting_id, part_id=part, child_id=child.id, **values)
        db.session.add(item)
        commit()
        return item.id


def emails(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(EmailMessage).order_by(EmailMessage.id)).scalars().all()
        return [{"to": m.to_address, "subject": m.subject, "body": m.body, "calendar": m.calendar} for m in rows]


def item_row(app, tenant, item_id):
    with app.app_context(), tenant_context(tenant.id):
        item = db.session.get(AgendaItem, item_id)
        db.session.expunge(item)
        return item


def meeting_row(app, tenant, meeting_id):
    with app.app_context(), tenant_context(tenant.id):
        row = db.session.get(Meeting, meeting_id)
        db.session.expunge(row)
        return row


def attach_paper(app, tenant, item_id, by, paperwork_id="care-plan", title="Most recent care plan"):
    """A small PDF as the item's paper; returns the document's download token."""
    from permanence.documents import services as documents

    with app.app_context(), tenant_context(tenant.id):
        version = documents.attach("agenda_item", item_id, paperwork_id=paperwork_id, title=title,
                                   filename="care-plan.pdf", data=b"%PDF-1.4\n% fictional\n%%EOF\n",
                                   uploaded_by=by.id)
        token = version.document.token
        commit()
        return token


def declare(app, tenant, meeting_id, item_id, user, ruling):
    from permanence.panels.models import Declaration

    with app.app_context(), tenant_context(tenant.id):
        db.session.add(Declaration(meeting_id=meeting_id, agenda_item_id=item_id, user_id=user.id,
                                   interest="Knows the family (fictional)", ruling=ruling))
        commit()
