"""Referring a child in Chromium: the social worker refers, uploads the paper the ToR asks for and
sends it for quality assurance, the team manager submits, the panel administrator books; and a
cohort rule's proposal takes the same route where the ToR asks for it. Every page is checked with
axe."""

from playwright.sync_api import expect
from sqlalchemy import select

from factories import PASSWORD
from permanence.cases.models import Child
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.tracker import services as tracker
from referrals_support import clock, council  # noqa: F401
from tracker_support import TODAY, crafted_children

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


def test_an_accepted_proposal_is_completed_quality_assured_and_booked(page, sign_in, assert_accessible, council,
                                                                     app):
    """Seed 001 asks for paperwork quality-assured by the team manager before the Panel: the cohort
    rule proposes a child new to care, the panel administrator accepts, the social worker completes
    the referral and its paper, the team manager quality-assures and the administrator books."""
    c = council(SLUG)
    with app.app_context(), tenant_context(c["tenant"].id):
        team = c["children"][0].team_id
        new = next(ch for ch in crafted_children(team=team, social_worker=c["worker"].id,
                                                 team_manager=c["manager"].id) if ch.case_number == "REVIEWS-1")
        db.session.add(new)
        db.session.flush()
        tracker.recompute_children(db.session.execute(select(Child.id)).scalars().all(), TODAY)
        commit()
    name = "Fictional Reviews1"
    meeting = c["meetings"][1]

    sign_in(page, c["admin"].email, PASSWORD)
    page.goto(f"/{SLUG}/meetings/{meeting}/referrals")
    page.get_by_role("button", name="Check for children to propose now").click()  # the page itself only reads
    expect(page.get_by_role("heading", name="Referrals and proposals")).to_be_visible()
    row = page.locator("tbody tr", has_text=name)
    expect(row).to_contain_text("Proposed by: Cohort rule of part 'new-to-care'")
    expect(row).to_contain_text("Then the social worker completes the referral")
    assert_accessible(page)
    page.get_by_role("button", name=f"Accept {name}").click()
    expect(page.get_by_role("alert")).to_contain_text("Sam Worker completes the referral form and the papers")
    expect(page.locator("tbody tr", has_text=name)).to_contain_text("Draft")

    page.context.clear_cookies()
    sign_in(page, c["worker"].email, PASSWORD)
    page.goto(f"/{SLUG}/referrals/")
    assert_accessible(page)
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=f"Referral: {name}")).to_be_visible()
    expect(page.locator("#proposed-by")).to_contain_text("Cohort rule of part 'new-to-care'")
    expect(page.locator('[data-paper="permanence-paperwork"]')).to_contain_text("Missing")
    assert_accessible(page)
    paper = page.locator("#paper-permanence-paperwork")
    paper.get_by_text("Upload this paper").click()
    paper.locator('input[type="file"]').set_input_files(
        files=[{"name": "paperwork.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% fictional\n%%EOF\n"}])
    paper.locator('button[type="submit"]').click()
    expect(page.locator('[data-paper="permanence-paperwork"]')).to_contain_text("Uploaded")
    page.get_by_role("button", name="Send to the team manager for quality assurance").click()
    expect(page.get_by_role("alert")).to_contain_text("sent for quality assurance")
    expect(page.locator("#quality-assurer")).to_contain_text("Tess Manager")

    page.context.clear_cookies()
    sign_in(page, c["manager"].email, PASSWORD)
    page.goto(f"/{SLUG}/referrals/?view=qa")
    expect(page.get_by_role("heading", name="Awaiting my quality assurance")).to_be_visible()
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=f"Referral: {name}")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Quality assurance comments (optional)").fill("Paperwork checked")
    page.get_by_role("button", name="Submit to the panel").click()
    expect(page.get_by_role("alert")).to_contain_text("The referral is submitted to the panel")

    page.context.clear_cookies()
    sign_in(page, c["admin"].email, PASSWORD)
    page.goto(f"/{SLUG}/meetings/{meeting}/referrals")
    page.get_by_role("button", name=f"Book {name}").click()
    expect(page.get_by_role("alert")).to_contain_text("The item is booked on the agenda")
    expect(page.locator("tbody tr", has_text=name)).to_contain_text("Booked")
    assert_accessible(page)


def test_the_panel_administrator_chooses_who_quality_assures(page, sign_in, assert_accessible, council, app,
                                                             make_team, make_user, make_child, client, login):
    """A child of a team with no team manager, in a council naming no one else: the panel
    administrator asks a team manager of another team, who can then open the referral."""
    c = council(SLUG, changes={"      quality_assurance_fallback: chair\n": ""})
    orphan = make_child(c["tenant"], team=make_team(c["tenant"], name="Children in Care 2"),
                        social_worker=c["worker"], first_name="Cleo", last_name="Fictional")
    tina = make_user(c["tenant"], ["team_manager"], team=make_team(c["tenant"], name="Adoption"),
                     name="Tina Elsewhere", email=f"tina@{SLUG}.example.org")
    login(c["worker"])
    made = client.post(f"/{SLUG}/referrals/new/details?child_id={orphan.id}&meeting_id={c['meetings'][1]}"
                       "&part_id=plan-ratification", data={"reason": "The plan needs ratifying"})
    item_id = int(made.headers["Location"].rstrip("/").split("/")[-1])
    assert client.post(f"/{SLUG}/referrals/{item_id}/send-for-qa").status_code == 302

    sign_in(page, c["admin"].email, PASSWORD)
    page.goto(f"/{SLUG}/referrals/{item_id}")
    page.get_by_role("link", name="Choose someone else to quality-assure the referral of Cleo Fictional").click()
    expect(page.get_by_role("heading", name="Choose who quality-assures the referral")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Ask them to quality-assure it").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a person who may quality-assure")
    assert_accessible(page)
    page.get_by_label("Who should quality-assure the referral?").select_option(label="Tina Elsewhere")
    page.get_by_label("Reason (optional)").fill("Cover while the post is vacant")
    page.get_by_role("button", name="Ask them to quality-assure it").click()
    expect(page.get_by_role("alert")).to_contain_text("Tina Elsewhere is asked to quality-assure the referral")
    expect(page.locator("#quality-assurer")).to_contain_text("Tina Elsewhere")

    page.context.clear_cookies()
    sign_in(page, tina.email, PASSWORD)
    page.goto(f"/{SLUG}/referrals/?view=qa")
    page.get_by_role("link", name="Cleo Fictional").click()
    expect(page.get_by_role("heading", name="Referral: Cleo Fictional")).to_be_visible()
    page.get_by_role("button", name="Submit to the panel").click()
    expect(page.get_by_role("alert")).to_contain_text("The referral is submitted to the panel")
