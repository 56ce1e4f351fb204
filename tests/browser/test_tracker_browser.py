"""The tracker in Chromium: a chair sorts and filters it, opens a child's milestones and timeline
picture, and acknowledges drift; every page passes axe-core. Today is Mon 1 March 2027."""

from __future__ import annotations

from playwright.sync_api import expect

from factories import PASSWORD
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.tracker.services import recompute_council
from tracker_support import TODAY, crafted_children, fixed_today, load_seed, recorded_events  # noqa: F401


def test_a_chair_works_the_tracker_and_acknowledges_drift(app, page, sign_in, assert_accessible, make_user,
                                                           fixed_today):
    tenant = load_seed(app, "redbridge")
    make_user(tenant, ["chair"], email="chair@example.org", name="Chris Chair")
    with app.app_context(), tenant_context(tenant.id), recorded_events():
        db.session.add_all(crafted_children())
        db.session.flush()
        recompute_council(TODAY)
        jobs.commit()
    sign_in(page, "chair@example.org", PASSWORD)

    page.goto("/redbridge/tracker/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Permanence tracker")
    assert_accessible(page)
    page.get_by_role("link", name="Legal status").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Legal status")
    page.get_by_label("Only children with drift").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**drift=y**")
    listed = page.locator("tbody tr td:first-child .govuk-body-s").all_inner_texts()
    assert listed == ["REVIEWS-1", "CO-1", "PO-1", "LATE-1"]  # C1, C2, E1, V2

    page.get_by_role("link", name="Fictional Late1").click()
    expect(page.get_by_role("heading", name="Milestones")).to_be_visible()
    picture = page.locator("svg[role=img]")
    expect(picture).to_be_visible()
    assert "Timeline of Fictional Late1" in picture.locator("title").first.text_content()
    page.get_by_text("Timeline as a table", exact=True).click()
    expect(page.get_by_role("cell", name="Became looked after", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="acknowledge or escalate").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("First looked-after review")
    page.get_by_role("button", name="Acknowledge drift").click()
    expect(page.get_by_role("alert")).to_contain_text("Select what was decided")
    assert_accessible(page)
    page.get_by_label("Action agreed to get the plan back on track").check()
    page.get_by_label("Note of the decision").fill("Review booked for 8 March with the IRO")
    page.get_by_role("button", name="Acknowledge drift").click()
    expect(page.get_by_text("Your acknowledgement and the decision are recorded.")).to_be_visible()
    expect(page.get_by_role("cell", name="Review booked for 8 March with the IRO", exact=True)).to_be_visible()
    assert_accessible(page)
