"""Two chairs edit the same minutes in two browsers: the second to save sees a conflict page with
both texts (nothing lost), merges and saves. The actions and decision record pages pass axe-core
too. Today is Monday 1 March 2027; the meeting sat on 17 February."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from factories import PASSWORD
from minutes_support import add_action_row, fixed_today, panel  # noqa: F401  (fixtures)


def _second_browser(browser, server_url):
    context = browser.new_context(base_url=server_url, locale="en-GB", timezone_id="Europe/London",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context


def test_two_chairs_editing_the_same_minutes(app, browser, server_url, page, sign_in, assert_accessible, panel,
                                             fixed_today):
    minutes_url = f"/{panel.slug}/meetings/{panel.ids.meeting}/minutes"
    sign_in(page, "chair@example.org", PASSWORD)
    page.goto(minutes_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Minutes of Wednesday 17 February 2027")
    expect(page.get_by_text("Overdue: the minutes were due to be circulated by 24 February 2027")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Assemble from the record").click()
    expect(page.get_by_text("The draft minutes are assembled from the record.")).to_be_visible()
    expect(page.get_by_label("Minutes", exact=True)).to_contain_text("Fictional Ollie (RB-CASE-0042)")
    assert_accessible(page)

    context = _second_browser(browser, server_url)
    try:
        vice = context.new_page()
        sign_in(vice, "vice@example.org", PASSWORD)
        vice.goto(minutes_url)
        expect(vice.get_by_label("Minutes", exact=True)).to_contain_text("Fictional Ollie")

        # The chair saves first.
        page.get_by_label("Minutes", exact=True).fill("Chair's corrected minutes: the review is on 19 May 2027.")
        page.get_by_role("button", name="Save minutes").click()
        expect(page.get_by_text("The minutes are saved.")).to_be_visible()

        # The vice-chair saves from the older revision: a conflict, with both texts.
        vice.get_by_label("Minutes", exact=True).fill("Vice-chair's minutes: contact is twice a month.")
        vice.get_by_role("button", name="Save minutes").click()
        expect(vice.get_by_role("heading", level=1)).to_have_text("The minutes were changed by someone else")
        expect(vice.get_by_role("alert")).to_contain_text("Fictional Chair Amara saved the minutes")
        expect(vice.locator("#theirs")).to_have_value("Chair's corrected minutes: the review is on 19 May 2027.")
        expect(vice.locator("#text")).to_have_value("Vice-chair's minutes: contact is twice a month.")
        assert_accessible(vice)

        merged = ("Chair's corrected minutes: the review is on 19 May 2027.\n"
                  "Vice-chair's minutes: contact is twice a month.")
        vice.locator("#text").fill(merged)
        vice.get_by_role("button", name="Save my version").click()
        expect(vice.get_by_text("The minutes are saved.")).to_be_visible()
        expect(vice.get_by_label("Minutes", exact=True)).to_have_value(merged)
    finally:
        context.close()

    # The chair's page is now stale too: approving it is refused until they read the saved text.
    page.get_by_role("button", name="Approve minutes").click()
    expect(page.get_by_role("alert")).to_contain_text("The minutes were changed after you opened them")
    expect(page.get_by_label("Minutes", exact=True)).to_have_value(
        "Chair's corrected minutes: the review is on 19 May 2027.\nVice-chair's minutes: contact is twice a month.")
    page.get_by_role("button", name="Approve minutes").click()
    expect(page.get_by_text("The minutes are approved.")).to_be_visible()
    assert_accessible(page)


def test_actions_and_the_decision_record_pages(app, page, sign_in, assert_accessible, panel, fixed_today):
    add_action_row(app, panel, panel.ids.item, owner=panel.chair, due_on=date(2027, 2, 24),
                   description="Write to the IRO about the review date")
    sign_in(page, "chair@example.org", PASSWORD)
    page.goto(f"/{panel.slug}/actions/mine")
    expect(page.get_by_text("You have 1 overdue action")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Progress on action").fill("Letter sent")
    page.get_by_label("Status of action").select_option("done")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_text("The action is updated: done.")).to_be_visible()

    page.goto(f"/{panel.slug}/agenda-items/{panel.ids.next_item}/actions")
    expect(page.get_by_role("heading", name="Actions", exact=True)).to_be_visible()
    page.get_by_text("Add an action").click()
    page.get_by_label("What is to be done").fill("Book the later-life letter session")
    page.get_by_label("Who will do it").select_option(label="Fictional Worker Dev")
    page.get_by_label("Due by").fill("31/3/2027")
    page.get_by_role("button", name="Add action").click()
    expect(page.get_by_text("The action is added.")).to_be_visible()
    expect(page.get_by_role("cell", name="Book the later-life letter session")).to_be_visible()
    assert_accessible(page)

    page.goto(f"/{panel.slug}/actions/?overdue=y")
    expect(page.get_by_role("heading", level=1)).to_have_text("Actions")
    assert_accessible(page)

    page.goto(f"/{panel.slug}/agenda-items/{panel.ids.group_item}/decision-record")
    expect(page.get_by_text("Not yet agreed by Head of service")).to_be_visible()
    assert_accessible(page)
    page.goto(f"/{panel.slug}/minutes/")
    expect(page.get_by_text("Overdue").first).to_be_visible()
    assert_accessible(page)
