"""Shared set-up of the referral tests: a seed council (optionally with another late policy), its
sittings generated, people in the usual roles in one team, and children allocated to them.

Today is Monday 1 March 2027 (``tracker_support.TODAY``). Waltham Forest's panel sits on
Wednesday 3 and 17 March and 31 March; referrals to 17 March close at the end of Wednesday
10 March (five working days before). The PPTM permanence panel sits on Tuesday 2 and 16 March;
its papers for 16 March are due on Friday 12 March (three days before).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels import services as panel_services
from permanence.panels.models import AgendaItem, Meeting
from permanence.tenancy.models import Tenant, TenantStatus
from permanence.tor.services import load_folder
from tracker_support import TODAY

REPO = Path(__file__).resolve().parents[1]
LONDON = ZoneInfo("Europe/London")


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def load_council(app, slug: str, tmp_path=None, **replace) -> Tenant:
    """``tenants/<slug>`` as an open council; ``replace`` swaps text in its tor.yaml first
    (e.g. ``{"late_policy: chair_discretion": "late_policy: refuse"}`` through ``changes=``)."""
    folder = REPO / "tenants" / slug
    changes = replace.get("changes")
    if changes:
        text = (folder / "tor.yaml").read_text(encoding="utf-8")
        for old, new in changes.items():
            assert old in text, old
            text = text.replace(old, new)
        folder = tmp_path / slug
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "tor.yaml").write_text(text, encoding="utf-8")
    with app.app_context():
        tenant, _ = load_folder(folder, slug=slug)
        tenant.status = TenantStatus.ACTIVE
        commit()
        with tenant_context(tenant.id):
            panel_services.generate_meetings(tenant.id, TODAY, 26)
            commit()
        tenant = db.session.get(Tenant, tenant.id)
        db.session.expunge_all()
        return tenant


@pytest.fixture
def clock(travel):
    """``clock(at)`` sets the platform's now (and with it today); it starts at 09:00 on TODAY."""
    travel(london(2027, 3, 1, 9, 0))
    return travel


@pytest.fixture
def council(app, tmp_path, make_team, make_user, make_child, clock):
    """``council(slug, changes=None)``: the council, its people and two children of the social worker."""

    def make(slug, changes=None):
        tenant = load_council(app, slug, tmp_path, changes=changes)
        team = make_team(tenant)
        people = {
            "worker": make_user(tenant, ["social_worker"], team=team, name="Sam Worker",
                                email=f"worker@{slug}.example.org"),
            "manager": make_user(tenant, ["team_manager"], team=team, name="Tess Manager",
                                 email=f"manager@{slug}.example.org"),
            "admin": make_user(tenant, ["panel_administrator"], name="Ada Admin", email=f"admin@{slug}.example.org"),
            "chair": make_user(tenant, ["chair"], name="Chris Chair", email=f"chair@{slug}.example.org"),
            "other_worker": make_user(tenant, ["social_worker"], name="Olly Other", email=f"other@{slug}.example.org"),
        }
        children = [make_child(tenant, team=team, social_worker=people["worker"], team_manager=people["manager"],
                               first_name=name, last_name="Fictional") for name in ("Ava", "Ben")]
        with app.app_context(), tenant_context(tenant.id):
            meetings = [m.id for m in db.session.execute(select(Meeting).order_by(Meeting.date)).scalars()]
        return {"tenant": tenant, **people, "children": children, "meetings": meetings}

    return make


def item_state(app, tenant, item_id):
    with app.app_context(), tenant_context(tenant.id):
        item = db.session.get(AgendaItem, item_id)
        db.session.expunge(item)
        return item


def items_of(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(AgendaItem).order_by(AgendaItem.id)).scalars().all()
        db.session.expunge_all()
        return rows
