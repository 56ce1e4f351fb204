"""One route onto an agenda: where the terms of reference ask for paperwork and quality assurance
(seed 001: "Permanence paperwork must be quality assured by the Team Manager and submitted ... at
least 3 days before the Panel date"), an accepted proposal is completed by the social worker and
quality-assured by the team manager like a referral before it is booked; elsewhere acceptance books.
A referral whose child's team has no team manager is never stuck: it goes to the ToR's fallback,
and the panel administrator can ask someone else. Today is Monday 1 March 2027."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from permanence.audit.models import AuditEvent
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.panels.models import AgendaItem, ItemStatus
from permanence.tor import TorConfigError
from permanence.tor import services as tor_services
from referrals_support import clock, council, item_state, items_of  # noqa: F401

PPTM = "permanence-panel-pptm"
REPO = Path(__file__).resolve().parents[1]
NO_FALLBACK = {"      quality_assurance_fallback: chair\n": ""}


def bearer(make_token, tenant, user) -> dict:
    _, secret = make_token(tenant, user)
    return {"Authorization": f"Bearer {secret}"}


def emails(app, tenant, address):
    """(subject, body) of every e-mail queued to ``address``."""
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(EmailMessage.subject, EmailMessage.body)
                                  .where(EmailMessage.to_address == address)).all()


def subjects(app, tenant, address):
    return [subject for subject, _ in emails(app, tenant, address)]


def propose(app, c, child, part_id="new-to-care", meeting=1):
    """A cohort rule's proposal of ``child`` at the council's ``meeting``-th sitting."""
    with app.app_context(), tenant_context(c["tenant"].id):
        item = AgendaItem(meeting_id=c["meetings"][meeting], part_id=part_id, child_id=child.id,
                          entry_route="cohort_rule", status=ItemStatus.PROPOSED, reason="Children new to care: ...",
                          proposal_source=f"Cohort rule of part '{part_id}': looked after and one review held")
        db.session.add(item)
        commit()
        return item.id


def test_an_accepted_proposal_is_completed_by_the_social_worker_and_quality_assured_before_it_is_booked(
        app, client, login, council):
    c = council(PPTM)
    ava = c["children"][0]
    item_id = propose(app, c, ava)
    slug = PPTM
    login(c["admin"])
    page = client.get(f"/{slug}/meetings/{c['meetings'][1]}/referrals")
    assert "Then the social worker completes the referral" in page.text
    proposal = client.get(f"/{slug}/referrals/{item_id}")
    assert "Accept: the social worker completes the referral" in proposal.text
    accepted = client.post(f"/{slug}/referrals/{item_id}/book")
    assert accepted.status_code == 302
    flashed = client.get(accepted.headers["Location"]).text
    assert "Sam Worker completes the referral form and the papers" in flashed
    item = item_state(app, c["tenant"], item_id)
    assert (item.status, item.referred_by_id, item.entry_route) == (ItemStatus.DRAFT, c["worker"].id, "cohort_rule")
    told = emails(app, c["tenant"], c["worker"].email)
    assert [s for s, _ in told] == ["Permanence Panel: a proposal for you to complete as a referral"]
    assert f"/{slug}/referrals/{item_id}" in told[0][1]  # a link to the referral to complete

    # The social worker finds it among their referrals, with where it came from, and completes it.
    login(c["worker"])
    assert "Ava Fictional" in client.get(f"/{slug}/referrals/").text
    draft = client.get(f"/{slug}/referrals/{item_id}")
    assert "Proposed by" in draft.text and "Cohort rule of part &#39;new-to-care&#39;" in draft.text
    assert 'data-paper="permanence-paperwork"' in draft.text  # the same paperwork checklist as a referral
    assert client.post(f"/{slug}/referrals/{item_id}/submit").status_code == 403  # not without QA
    assert client.post(f"/{slug}/referrals/{item_id}/edit",
                       data={"reason": "New to care: the plan after the first review"}).status_code == 302
    assert client.post(f"/{slug}/referrals/{item_id}/send-for-qa").status_code == 302
    assert "Permanence Panel: a referral to quality-assure" in subjects(app, c["tenant"], c["manager"].email)

    # The team manager quality-assures; the panel administrator books it.
    login(c["manager"])
    assert "Ava Fictional" in client.get(f"/{slug}/referrals/?view=qa").text
    assert client.post(f"/{slug}/referrals/{item_id}/assure", data={"comments": "Checked"}).status_code == 302
    item = item_state(app, c["tenant"], item_id)
    assert item.status == ItemStatus.SUBMITTED and item.quality_assured_by_id == c["manager"].id
    login(c["admin"])
    assert client.post(f"/{slug}/referrals/{item_id}/book").status_code == 302
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.BOOKED
    history = client.get(f"/{slug}/referrals/{item_id}").text
    for line in ("Ada Admin: accepted the proposal; Sam Worker completes the referral form and the papers",
                 "Sam Worker: sent the referral to the team manager for quality assurance",
                 "Tess Manager: submitted the referral", "Ada Admin: booked the item on the agenda"):
        assert line in history


def test_the_api_accepts_a_proposal_into_a_draft_referral(app, client, council, make_token):
    c = council(PPTM)
    item_id = propose(app, c, c["children"][0])
    headers = bearer(make_token, c["tenant"], c["admin"])
    accepted = client.post(f"/{PPTM}/api/v1/referrals/{item_id}/accept", json={}, headers=headers)
    assert accepted.status_code == 200, accepted.json
    assert (accepted.json["status"], accepted.json["referred_by_id"]) == ("draft", c["worker"].id)
    assert accepted.json["proposal_source"].startswith("Cohort rule of part 'new-to-care'")
    again = client.post(f"/{PPTM}/api/v1/referrals/{item_id}/book", json={}, headers=headers)
    assert again.status_code == 409  # a draft is not booked


@pytest.mark.parametrize("slug,part", [("redbridge", "new-to-care"), ("knowsley", "scrutiny"),
                                       ("monthly-tracking-overview", "permanency-tracking")])
def test_where_the_tor_asks_for_no_paperwork_first_acceptance_books(app, client, login, council, slug, part):
    c = council(slug)
    item_id = propose(app, c, c["children"][0], part_id=part)
    login(c["admin"])
    assert client.post(f"/{slug}/referrals/{item_id}/book").status_code == 302
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.BOOKED


def test_a_part_may_book_directly_in_a_body_that_completes_proposals_as_referrals(app, client, login, council):
    c = council(PPTM, changes={"        entry_routes: [agreed_at_previous_meeting, cohort_rule]\n":
                               "        entry_routes: [agreed_at_previous_meeting, cohort_rule]\n"
                               "        accepted_proposals: book_directly\n"})
    item_id = propose(app, c, c["children"][0], part_id="full-care-orders")
    login(c["admin"])
    assert client.post(f"/{PPTM}/referrals/{item_id}/book").status_code == 302
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.BOOKED


# --- the terms of reference -------------------------------------------------------------------------

def _parse(app, text):
    with app.app_context():
        return tor_services.parse_tor(text)


def _errors(app, text) -> dict[str, tuple[int, str]]:
    with pytest.raises(TorConfigError) as caught:
        _parse(app, text)
    return {e.dotted_path: (e.line, e.message) for e in caught.value.errors}


def test_the_tor_keys_are_validated_with_their_lines(app):
    text = (REPO / "tenants" / PPTM / "tor.yaml").read_text()
    lines = text.splitlines()
    wrong = text.replace("accepted_proposals: complete_as_referral", "accepted_proposals: always")
    path, (line, message) = next(iter(_errors(app, wrong).items()))
    assert path == "bodies[0].referral.accepted_proposals"
    assert line == lines.index("      accepted_proposals: complete_as_referral") + 1
    assert "unknown accepted_proposals 'always'; allowed: book_directly, complete_as_referral" in message
    same = text.replace("quality_assurance_fallback: chair", "quality_assurance_fallback: team-manager")
    assert "another role than quality_assurance_by" in _errors(app, same)[
        "bodies[0].referral.quality_assurance_fallback"][1]
    cannot = text.replace("quality_assurance_fallback: chair", "quality_assurance_fallback: senior-manager")
    line, message = _errors(app, cannot)["bodies[0].referral.quality_assurance_fallback"]
    assert line == lines.index("      quality_assurance_fallback: chair") + 1
    assert message.startswith("role 'senior-manager' (senior manager in the platform) cannot quality-assure "
                              "referrals; roles that can:") and "chair" in message and "team-manager" in message
    no_qa = (text.replace("      quality_assurance_by: team-manager\n", ""))
    assert "needs quality_assurance_by" in _errors(app, no_qa)["bodies[0].referral.quality_assurance_fallback"][1]
    tor = _parse(app, text)
    body = tor.body("permanence-panel")
    assert body.referral.accepted_proposals == "complete_as_referral"
    assert body.accepted_proposals_for("new-to-care") == "complete_as_referral"
    assert tor.body("pptm").referral.accepted_proposals == "book_directly"


@pytest.mark.parametrize("slug,expected", [
    ("permanence-panel-pptm", {"permanence-panel": ("complete_as_referral", "chair"), "pptm": ("book_directly", None)}),
    ("knowsley", {"permanency-panel": ("book_directly", None)}),
    ("redbridge", {"ptp": ("book_directly", None)}),
    ("waltham-forest", {"ptm": ("book_directly", None)}),
    ("monthly-tracking-overview", {"tracking-meeting": ("book_directly", None)}),
])
def test_the_five_councils_are_configured_as_their_terms_of_reference_say(app, slug, expected):
    tor = _parse(app, (REPO / "tenants" / slug / "tor.yaml").read_text())
    found = {b.id: (b.referral.accepted_proposals, b.referral.quality_assurance_fallback) for b in tor.bodies}
    assert found == expected


# --- a child whose team has no team manager -----------------------------------------------------------

@pytest.fixture
def orphan(app, council, make_team, make_user, make_child):
    """``orphan(changes=None)``: seed 001 with a child of a team that has no team manager, allocated
    to the social worker of another team, whose manager cannot see the child."""

    def make(changes=None):
        c = council(PPTM, changes=changes)
        team = make_team(c["tenant"], name="Children in Care 2")
        c["orphan"] = make_child(c["tenant"], team=team, social_worker=c["worker"], first_name="Cleo",
                                 last_name="Fictional")
        c["other_manager"] = make_user(c["tenant"], ["team_manager"], team=make_team(c["tenant"], name="Adoption"),
                                       name="Tina Elsewhere", email=f"tina@{PPTM}.example.org")
        login_as = c["worker"]
        c["refer"] = lambda client, login: _refer_and_send(client, login, login_as, c)
        return c

    return make


def _refer_and_send(client, login, worker, c):
    login(worker)
    url = (f"/{PPTM}/referrals/new/details?child_id={c['orphan'].id}&meeting_id={c['meetings'][1]}"
           "&part_id=plan-ratification")
    made = client.post(url, data={"reason": "The plan needs ratifying"})
    assert made.status_code == 302, made.text
    item_id = int(made.headers["Location"].rstrip("/").split("/")[-1])
    assert client.post(f"/{PPTM}/referrals/{item_id}/send-for-qa").status_code == 302
    return item_id


def test_a_referral_of_a_child_whose_team_has_no_team_manager_goes_to_the_tors_fallback(app, client, login, orphan):
    c = orphan()
    item_id = c["refer"](client, login)
    # Not to the referrer's own team manager, who cannot open the child's referral.
    assert subjects(app, c["tenant"], c["manager"].email) == []
    assert subjects(app, c["tenant"], c["chair"].email) == ["Permanence Panel: a referral to quality-assure"]
    assert item_state(app, c["tenant"], item_id).qa_assignee_id == c["chair"].id
    login(c["manager"])
    assert client.get(f"/{PPTM}/referrals/{item_id}").status_code == 403
    login(c["chair"])
    assert "Cleo Fictional" in client.get(f"/{PPTM}/referrals/?view=qa").text
    page = client.get(f"/{PPTM}/referrals/{item_id}")
    assert "Asked to quality-assure" in page.text and "Chris Chair" in page.text
    assert "Submit to the panel" in page.text
    assert client.post(f"/{PPTM}/referrals/{item_id}/assure", data={"comments": "Checked"}).status_code == 302
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.SUBMITTED
    assert "Chris Chair: submitted the referral" in client.get(f"/{PPTM}/referrals/{item_id}").text


def test_with_no_one_named_the_panel_administrator_is_asked_and_chooses_who_quality_assures(
        app, client, login, orphan):
    c = orphan(changes=NO_FALLBACK)
    item_id = c["refer"](client, login)
    assert subjects(app, c["tenant"], c["admin"].email) == [
        "Permanence Panel: a referral needs someone to quality-assure it"]
    assert client.get(f"/{PPTM}/referrals/{item_id}/quality-assurer").status_code == 403  # the social worker
    login(c["admin"])
    assert "Choose who quality-assures" in client.get(f"/{PPTM}/meetings/{c['meetings'][1]}/referrals").text
    form = client.get(f"/{PPTM}/referrals/{item_id}/quality-assurer")
    assert form.status_code == 200
    assert "Tina Elsewhere" in form.text and "Tess Manager" in form.text and "Sam Worker" not in form.text
    wrong = client.post(f"/{PPTM}/referrals/{item_id}/quality-assurer", data={"user_id": str(c["worker"].id)})
    assert wrong.status_code == 400 and "Select a person who may quality-assure this referral" in wrong.text
    chosen = client.post(f"/{PPTM}/referrals/{item_id}/quality-assurer",
                         data={"user_id": str(c["other_manager"].id), "reason": "Cover while the post is vacant"})
    assert chosen.status_code == 302
    assert item_state(app, c["tenant"], item_id).qa_assignee_id == c["other_manager"].id
    (subject, body), = emails(app, c["tenant"], c["other_manager"].email)
    assert subject == "Permanence Panel: a referral to quality-assure" and "Cover while the post is vacant" in body
    with app.app_context(), tenant_context(c["tenant"].id):
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "referral.qa_reassigned")).scalar_one()
        assert "asked Tina Elsewhere to quality-assure the referral: Cover while the post is vacant" in event.summary
    # Tina manages another team, yet she can open it and quality-assure it.
    login(c["other_manager"])
    assert "Cleo Fictional" in client.get(f"/{PPTM}/referrals/?view=qa").text
    assert client.get(f"/{PPTM}/referrals/{item_id}").status_code == 200
    assert client.post(f"/{PPTM}/referrals/{item_id}/return", data={"comments": "Add the parallel plan"}).status_code \
        == 302
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.RETURNED
    # Sent again, it goes back to the person the panel administrator chose.
    login(c["worker"])
    assert client.post(f"/{PPTM}/referrals/{item_id}/send-for-qa").status_code == 302
    assert len(emails(app, c["tenant"], c["other_manager"].email)) == 2


def test_the_api_lists_who_may_quality_assure_and_reassigns(app, client, login, orphan, make_token):
    c = orphan(changes=NO_FALLBACK)
    item_id = c["refer"](client, login)
    headers = bearer(make_token, c["tenant"], c["admin"])
    listed = client.get(f"/{PPTM}/api/v1/referrals/{item_id}/quality-assurers", headers=headers)
    assert listed.status_code == 200
    assert {p["name"] for p in listed.json} == {"Tess Manager", "Tina Elsewhere"}
    missing = client.post(f"/{PPTM}/api/v1/referrals/{item_id}/quality-assurer", json={}, headers=headers)
    assert missing.status_code == 422 and "user_id" in missing.json["errors"]["json"]
    done = client.post(f"/{PPTM}/api/v1/referrals/{item_id}/quality-assurer",
                       json={"user_id": c["other_manager"].id}, headers=headers)
    assert done.status_code == 200 and done.json["qa_assignee_id"] == c["other_manager"].id
    worker = bearer(make_token, c["tenant"], c["worker"])
    assert client.post(f"/{PPTM}/api/v1/referrals/{item_id}/quality-assurer",
                       json={"user_id": c["manager"].id}, headers=worker).status_code == 403
    tina = bearer(make_token, c["tenant"], c["other_manager"])
    assured = client.post(f"/{PPTM}/api/v1/referrals/{item_id}/assure", json={}, headers=tina)
    assert assured.status_code == 200 and assured.json["status"] == "submitted"
