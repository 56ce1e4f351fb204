"""A PPTM cycle on the team manager's day, in Chromium: the team manager agrees Tuesdays for their
team from the Tracking meetings page; the next daily booking puts the team's children on
Tuesdays at the agreed times; the team manager moves one meeting. Every page passes axe-core.
Today is Monday 1 March 2027."""

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

SLUG = "permanence-panel-pptm"


def test_the_team_manager_agrees_tuesdays_and_the_next_booking_lands_on_them(
        app, page, sign_in, assert_accessible, make_user, make_team):
    tenant = load_seed(app, SLUG)
    team = make_team(tenant, "Children in Care 1")
    manager = make_user(tenant, ["team_manager"], team=team, email="tm@example.org", name="Tara Manager")
    worker = make_user(tenant, ["social_worker"], team=team, email="sw@example.org", name="Sam Worker")
    with app.app_context(), tenant_context(tenant.id), recorded_events():
        db.session.add_all(crafted_children(team=team.id, team_manager=manager.id, social_worker=worker.id))
        db.session.flush()
        recompute_council(TODAY)
        jobs.commit()

    with time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc), tick=True):
        sign_in(page, "tm@example.org", PASSWORD)
        page.get_by_role("link", name="Tracking meetings").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tracking meetings")
        assert_accessible(page)
        page.get_by_role("link", name="Days and times agreed by teams").click()
        expect(page.locator("[data-teams]")).to_contain_text("Not agreed")
        assert_accessible(page)
        page.get_by_role("link", name="Children in Care 1").click()
        expect(page.locator("[data-not-agreed]")).to_contain_text("Children in Care 1 has not agreed days yet")
        assert_accessible(page)

        page.get_by_label("Tuesday").check()
        page.get_by_label("From").fill("10:00")
        page.get_by_label("To", exact=True).fill("09:00")
        page.get_by_label("Length of each meeting, in minutes").fill("30")
        page.get_by_role("button", name="Agree this day and time").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("The end time must be after the start time")
        assert_accessible(page)
        page.get_by_label("To", exact=True).fill("11:00")
        page.get_by_role("button", name="Agree this day and time").click()
        expect(page.get_by_role("alert")).to_contain_text("Agreed for Children in Care 1")
        expect(page.locator("[data-slots]")).to_contain_text("Tuesdays 10:00 to 11:00, 2 meetings of 30 minutes")
        expect(page.locator("[data-slots]")).to_contain_text("Agreed by Tara Manager on 1 March 2027")
        assert_accessible(page)

        with app.app_context(), tenant_context(tenant.id):  # the daily booking, after the tracker's night run
            book_due_tracking_meetings(TODAY)
            jobs.commit()

        page.goto(f"/{SLUG}/tracking-meetings/")
        rows = page.locator("tbody tr")
        expect(rows).to_have_count(4)
        expect(rows.nth(0)).to_contain_text("9 March 2027, 10:00")
        expect(rows.nth(1)).to_contain_text("9 March 2027, 10:30")
        expect(rows.nth(2)).to_contain_text("16 March 2027, 10:00")
        expect(rows.nth(3)).to_contain_text("13 April 2027, 10:00")
        page.get_by_role("link", name="Fictional Co1").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Fictional Co1: Tuesday 13 April 2027, 10:00 to 10:30")
        assert_accessible(page)

        page.get_by_role("link", name="Move this meeting").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Move the meeting for Fictional Co1")
        assert_accessible(page)
        page.get_by_label("New date").fill("3/3/2027")
        page.get_by_label("Reason for moving the meeting").fill("The social worker is in court on the 13th")
        page.get_by_role("button", name="Move meeting").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("too soon to complete")
        assert_accessible(page)
        page.get_by_label("New date").fill("14/4/2027")
        page.get_by_label("Start time (leave empty for the whole day)").fill("14:00")
        page.get_by_role("button", name="Move meeting").click()
        expect(page.get_by_role("alert")).to_contain_text("The meeting is moved to Wednesday 14 April 2027 at 14:00")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Fictional Co1: Wednesday 14 April 2027, 14:00 to 14:30")
        assert_accessible(page)
