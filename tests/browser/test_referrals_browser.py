"""Referring a child in Chromium: the social worker refers, uploads the paper the ToR asks for and
sends it for quality assurance, the team manager submits, the panel administrator books. Every
page is checked with axe."""

from playwright.sync_api import expect

from factories import PASSWORD
from referrals_support import clock, council  # noqa: F401

SLUG = "permanence-panel-pptm"


def test_refer_quality_assure_and_book(page, sign_in, assert_accessible, council):
    c = council(SLUG)
    ava = c["children"][0]

    sign_in(page, c["worker"].email, PASSWORD)
    page.goto(f"/{SLUG}/referrals/new")
    expect(page.get_by_role("heading", name="Refer a child")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Child").select_option(str(ava.id))
    page.get_by_label("Meeting").select_option(str(c["meetings"][1]))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Choose the part of the agenda")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Permanence plans needing ratification or change").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Permanence plans needing ratification or change")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you are referring the child")
    assert_accessible(page)
    page.get_by_label("Why are you referring the child?").fill("The plan of long-term fostering needs ratifying")
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Your referral is saved as a draft")
    expect(page.get_by_role("heading", name="Referral: Ava Fictional")).to_be_visible()
    assert_accessible(page)
    expect(page.locator('[data-paper="permanence-paperwork"]')).to_contain_text("Missing")
    paper = page.locator("#paper-permanence-paperwork")
    paper.get_by_text("Upload this paper").click()
    paper.locator('input[type="file"]').set_input_files(
        files=[{"name": "paperwork.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% fictional\n%%EOF\n"}])
    paper.locator('button[type="submit"]').click()
    expect(page.get_by_role("alert")).to_contain_text("uploaded as version 1")
    expect(page.locator('[data-paper="permanence-paperwork"]')).to_contain_text("Uploaded")
    page.get_by_role("button", name="Send to the team manager for quality assurance").click()
    expect(page.get_by_role("alert")).to_contain_text("sent for quality assurance")

    page.context.clear_cookies()
    sign_in(page, c["manager"].email, PASSWORD)
    page.goto(f"/{SLUG}/referrals/?view=qa")
    expect(page.get_by_role("heading", name="Awaiting my quality assurance")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Ava Fictional").click()
    expect(page.get_by_role("heading", name="Referral: Ava Fictional")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Submit to the panel").click()
    expect(page.get_by_role("alert")).to_contain_text("The referral is submitted to the panel")

    page.context.clear_cookies()
    sign_in(page, c["admin"].email, PASSWORD)
    page.goto(f"/{SLUG}/meetings/{c['meetings'][1]}/referrals")
    expect(page.get_by_role("heading", name="Referrals and proposals")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Book Ava Fictional").click()
    expect(page.get_by_role("alert")).to_contain_text("The item is booked on the agenda")
    expect(page.locator("tbody")).to_contain_text("Booked")
