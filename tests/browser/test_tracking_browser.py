"""Tracking meetings in Chromium: the Business Support Officer opens the booked PPTMs and one
child's meeting with the ToR's headings; both pages pass axe-core. Today is Mon 1 March 2027."""

from __future__ import annotations

from datetime import datetime, timezone

import time_machine
from playwright.sync_api import expect

from factories import PASSWORD
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.panels.tracking import book_due_tracking_meetings
from permanence.tracker.services import recompute_council
from tracker_support import TODAY, crafted_children, load_seed, recorded_events


def test_the_business_support_officer_opens_a_childs_pptm(app, page, sign_in, assert_accessible, make_user):
    tenant = load_seed(app, "permanence-panel-pptm")
    make_user(tenant, ["panel_administrator"], email="bso@example.org", name="Bea Support")
    with app.app_context(), tenant_context(tenant.id), recorded_events():
        db.session.add_all(crafted_children())
        db.session.flush()
        recompute_council(TODAY)
        book_due_tracking_meetings(TODAY)
        jobs.commit()
    with time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc), tick=True):
        sign_in(page, "bso@example.org", PASSWORD)
        page.goto("/permanence-panel-pptm/tracking-meetings/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Tracking meetings")
        expect(page.locator("tbody tr")).to_have_count(4)
        assert_accessible(page)
        page.get_by_role("link", name="Fictional Co1").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Fictional Co1: Tuesday 13 April 2027")
        expect(page.locator("[data-headings] li")).to_have_count(7)
        expect(page.locator("[data-outcomes]")).to_contain_text("Review again at PPTM")
        assert_accessible(page)
