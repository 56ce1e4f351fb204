"""A PPTM cycle on the team manager's day, in Chromium: the team manager agrees Tuesdays for their
team from the Tracking meetings page; the next daily booking puts the team's children on
Tuesdays at the agreed times; the team manager moves one meeting. On Tuesday 9 March the first
meeting is held: the team manager chairs it from its seat and rules on an interest, the Business
Support Officer records attendance and the outcome 'Review again at PPTM', and the child's next
meeting is booked six weeks on, on a Tuesday at the agreed time. Every page passes axe-core.
Today is Monday 1 March 2027."""

from __future__ import annotations

from datetime import datetime, timezone

import re

import time_machine
from playwright.sync_api import expect

from factories import PASSWORD
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.panels.models import PanelMember
from permanence.panels.tracking import book_due_tracking_meetings
from permanence.tracker.services import recompute_council
from meeting_pages import record_item, take_attendance
from tracker_support import TODAY, crafted_children, load_seed, recorded_events

SLUG = "permanence-panel-pptm"


def test_the_team_manager_agrees_tuesdays_and_the_next_booking_lands_on_them(
        app, page, browser, server_url, sign_in, assert_accessible, make_user, make_team):
    tenant = load_seed(app, SLUG)
    team = make_team(tenant, "Children in Care 1")
    manager = make_user(tenant, ["team_manager"], team=team, email="tm@example.org", name="Tara Manager")
    worker = make_user(tenant, ["social_worker"], team=team, email="sw@example.org", name="Sam Worker")
    bso = make_user(tenant, ["panel_administrator"], email="bso@example.org", name="Bea Support")
    supervising = make_user(tenant, ["panel_member"], email="ssw@example.org", name="Sol Supervisor")
    with app.app_context(), tenant_context(tenant.id), recorded_events():
        db.session.add_all(crafted_children(team=team.id, team_manager=manager.id, social_worker=worker.id))
        # The team manager chairs the team's PPTMs (seed 001: "Chair - Children in Care team manager").
        for user, role, title in ((manager, "team-manager", "Children in Care team manager"),
                                  (supervising, "supervising-social-worker", "Supervising social worker"),
                                  (bso, "panel-administrator", "Business Support Officer")):
            db.session.add(PanelMember(body_id="pptm", user_id=user.id, role=role, title=title))
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

    # Tuesday 9 March, 10:00: the first meeting in the agreed time is held.
    with time_machine.travel(datetime(2027, 3, 9, 10, 0, tzinfo=timezone.utc), tick=True):
        bso_context = browser.new_context(base_url=server_url, locale="en-GB", timezone_id="Europe/London")
        bso_page = bso_context.new_page()
        sign_in(bso_page, "bso@example.org", PASSWORD)
        bso_page.goto(f"/{SLUG}/tracking-meetings/")
        bso_page.get_by_role("link", name="Fictional Po1").click()
        expect(bso_page.get_by_role("heading", level=1)).to_have_text("Fictional Po1: Tuesday 9 March 2027, 10:00 to 10:30")
        bso_page.get_by_role("link", name="Record of the meeting").click()
        take_attendance(bso_page, {"Sam Worker": "present"})
        expect(bso_page.locator("#quorum")).to_contain_text("Quorate")
        bso_page.get_by_label("Member declaring the interest").select_option(label="Sol Supervisor")
        bso_page.get_by_label("Declared for").select_option(label="Fictional Po1")
        bso_page.get_by_label("Interest declared").fill("Supervises the prospective adopters")
        bso_page.get_by_role("button", name="Record declaration").click()
        expect(bso_page.get_by_text("The declaration is recorded; the chair rules on it.")).to_be_visible()
        assert_accessible(bso_page)

        # The team manager chairs from the chair's seat, so rules on the interest (signed in afresh:
        # a week idle signed them out).
        sign_in(page, "tm@example.org", PASSWORD)
        page.goto(f"/{SLUG}/tracking-meetings/")
        page.get_by_role("link", name="Fictional Po1").click()
        page.get_by_role("link", name="Record of the meeting").click()
        page.get_by_label("May observe only").check()
        page.get_by_role("button", name=re.compile("Record ruling")).click()
        expect(page.get_by_text("Ruling recorded: may observe only.")).to_be_visible()
        assert_accessible(page)

        bso_page.reload()
        record_item(bso_page, "Fictional Po1", "Review again at PPTM", "Family finding to report at the next PPTM.")
        assert_accessible(bso_page)
        bso_page.goto(f"/{SLUG}/tracking-meetings/")
        next_one = bso_page.locator("tbody tr").filter(has_text="Fictional Po1")
        expect(next_one).to_contain_text("20 April 2027, 10:00")  # a Tuesday, six weeks on
        bso_context.close()
