"""The senior manager in Chromium: their home page shows the service at a glance and leads to the
tracker, drift (what is due to escalate and when), the meeting's record and decision record and
the actions, none of them offering an edit; every page passes axe-core. Redbridge's panel sat on
17 February 2027 (``minutes_support``); today is Monday 1 March 2027."""

from __future__ import annotations

from datetime import datetime, timezone

import time_machine
from playwright.sync_api import expect

from factories import PASSWORD
from minutes_support import add_action_row, build_panel
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.tracker.services import recompute_council
from tracker_support import crafted_children


def test_the_senior_manager_oversees_the_service_read_only(app, page, sign_in, assert_accessible, make_user,
                                                            make_child):
    panel = build_panel(app, make_user, make_child)
    make_user(panel.tenant, ["senior_manager"], email="senior@example.org", name="Fictional Senior Sol")
    add_action_row(app, panel, panel.ids.item, owner=panel.worker, description="Book the later-life letter session")
    with app.app_context(), tenant_context(panel.tenant.id):
        db.session.add(next(c for c in crafted_children() if c.case_number == "LATE-1"))
        db.session.flush()
        recompute_council(datetime(2027, 2, 2).date())  # drift opened; the nightly run has not climbed since
        jobs.commit()
    with time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc), tick=True):
        sign_in(page, "senior@example.org", PASSWORD)
        expect(page.get_by_role("heading", name="Across the service")).to_be_visible()
        expect(page.get_by_text("You read them but do not change them", exact=False)).to_be_visible()
        assert_accessible(page)

        page.get_by_role("link", name="Drift and escalations").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Drift")
        expect(page.get_by_text("Due to escalate to Team manager on 8 February 2027: waiting for the nightly run",
                                exact=False).first).to_be_visible()
        expect(page.get_by_text("Not yet escalated")).to_have_count(0)
        assert_accessible(page)

        page.goto("/redbridge/")
        page.get_by_role("link", name="Permanence tracker").click()
        expect(page.get_by_text("Escalation due since 8 Feb 2027", exact=False).first).to_be_visible()
        assert_accessible(page)

        page.goto(f"/redbridge/meetings/{panel.ids.meeting}/record")
        expect(page.get_by_role("heading", name="Record of the meeting")).to_be_visible()
        expect(page.get_by_role("button", name="Save attendance")).to_have_count(0)
        assert_accessible(page)
        page.get_by_role("link", name="Fictional Ollie").first.click()
        expect(page.get_by_role("button", name="Save the record")).to_have_count(0)
        page.get_by_role("link", name="page", exact=True).click()  # the decision record
        expect(page.get_by_text("Continue the plan for long-term fostering.")).to_be_visible()
        assert_accessible(page)

        page.goto("/redbridge/actions/")
        expect(page.get_by_text("Book the later-life letter session")).to_be_visible()
        expect(page.get_by_role("button", name="Update")).to_have_count(0)
        assert_accessible(page)
