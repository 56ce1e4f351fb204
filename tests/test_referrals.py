"""Referrals: a social worker refers a child to a sitting's agenda part with the ToR's referral
form; the team manager quality-assures; the ToR's late policy applies at submission; the panel
administrator books or declines. Today is Monday 1 March 2027 (see referrals_support)."""

from __future__ import annotations

import io

from sqlalchemy import select

from permanence.cases.models import Child, SiblingGroup
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.panels.models import ItemStatus
from referrals_support import council, clock, item_state, items_of, london  # noqa: F401

WF_ANSWERS = {"answer_reason": "Plan for permanence needs the panel's view",
              "answer_current_plan": "Long-term fostering with current carers", "answer_legal_status": "C2"}


def refer(client, slug, child_id, meeting_id, part_id, data=None, as_group=""):
    url = (f"/{slug}/referrals/new/details?child_id={child_id}&meeting_id={meeting_id}&part_id={part_id}"
           f"&as_group={as_group}")
    return client.post(url, data={"reason": "Drift in the plan", **(WF_ANSWERS if data is None else data)})


def new_item_id(response) -> int:
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def emails_to(app, address, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(EmailMessage.subject).where(EmailMessage.to_address == address)
                                  ).scalars().all()


def test_a_social_worker_refers_a_child_step_by_step_and_the_draft_keeps_the_answers(app, client, login, council):
    c = council("waltham-forest")
    login(c["worker"])
    ava = c["children"][0]
    start = client.get("/waltham-forest/referrals/new")
    assert start.status_code == 200
    assert "Ava Fictional" in start.text
    assert "Wednesday 17 March 2027 (referrals by Wednesday 10 March 2027)" in start.text
    chosen = client.get(f"/waltham-forest/referrals/new?child_id={ava.id}&meeting_id={c['meetings'][1]}")
    assert chosen.status_code == 302 and "/referrals/new/part" in chosen.headers["Location"]
    part = client.get(f"/waltham-forest/referrals/new/part?child_id={ava.id}&meeting_id={c['meetings'][1]}")
    assert "Permanency tracking" in part.text or "tracking" in part.text.lower()
    form = client.get(f"/waltham-forest/referrals/new/details?child_id={ava.id}&meeting_id={c['meetings'][1]}"
                      "&part_id=tracking")
    for label in ("Reason for referral", "Current care and permanence plan", "Legal status"):
        assert label in form.text
    assert "supporting documentation" in form.text  # a file field: uploaded with the papers
    item_id = new_item_id(refer(client, "waltham-forest", ava.id, c["meetings"][1], "tracking"))
    item = item_state(app, c["tenant"], item_id)
    assert item.status == ItemStatus.DRAFT and item.entry_route == "referral"
    assert item.answers == {"reason": "Plan for permanence needs the panel's view",
                            "current-plan": "Long-term fostering with current carers", "legal-status": "C2"}
    page = client.get(f"/waltham-forest/referrals/{item_id}")
    assert page.status_code == 200
    assert "Long-term fostering with current carers" in page.text and "Draft" in page.text
    assert "Sam Worker: started the referral" in page.text
    assert "Submit to the panel" in page.text  # Waltham Forest names no quality assurance


def test_form_errors_name_each_field_and_nothing_is_stored(app, client, login, council):
    c = council("waltham-forest")
    login(c["worker"])
    ava = c["children"][0]
    response = refer(client, "waltham-forest", ava.id, c["meetings"][1], "tracking",
                     data={"answer_reason": "", "answer_current_plan": "", "answer_legal_status": "x" * 2001})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Enter reason for referral" in response.text
    assert "Enter current care and permanence plan" in response.text
    assert "Legal status must be 2000 characters or fewer" in response.text
    no_reason = client.post(f"/waltham-forest/referrals/new/details?child_id={ava.id}&meeting_id={c['meetings'][1]}"
                            "&part_id=tracking", data={**WF_ANSWERS, "reason": "  "})
    assert no_reason.status_code == 400 and "Enter why you are referring the child" in no_reason.text
    assert items_of(app, c["tenant"]) == []


def test_a_social_worker_cannot_refer_a_child_they_cannot_see_nor_another_councils(app, client, login, council,
                                                                                    make_child):
    c = council("waltham-forest")
    other = council("redbridge")
    stranger = make_child(c["tenant"], social_worker=c["other_worker"])
    elsewhere = other["children"][0]
    login(c["worker"])
    assert client.get(f"/waltham-forest/referrals/new/part?child_id={stranger.id}&meeting_id={c['meetings'][1]}"
                      ).status_code == 403
    assert refer(client, "waltham-forest", stranger.id, c["meetings"][1], "tracking").status_code == 403
    assert refer(client, "waltham-forest", elsewhere.id, c["meetings"][1], "tracking").status_code == 404
    assert "Fictional Child" not in client.get("/waltham-forest/referrals/new").text
    assert items_of(app, c["tenant"]) == []


def _draft(app, client, login, c, meeting_index=1):
    login(c["worker"])
    return new_item_id(refer(client, "waltham-forest", c["children"][0].id, c["meetings"][meeting_index], "tracking"))


def test_refuse_policy_names_the_deadline_and_offers_the_next_sitting(app, client, login, council, clock):
    c = council("waltham-forest", {"late_policy: chair_discretion": "late_policy: refuse"})
    item_id = _draft(app, client, login, c)
    clock(london(2027, 3, 11, 9, 0))  # the morning after the deadline
    refused = client.post(f"/waltham-forest/referrals/{item_id}/submit", data={"late_reason": "Court date moved"})
    assert refused.status_code == 400
    assert ("Referrals to the meeting on Wednesday 17 March 2027 closed on Wednesday 10 March 2027" in refused.text)
    assert "does not take late referrals" in refused.text
    assert "Move the referral to the meeting on 31 March 2027" in refused.text
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.DRAFT
    moved = client.post(f"/waltham-forest/referrals/{item_id}/move", data={"meeting_id": c["meetings"][2]})
    assert moved.status_code == 302
    assert client.post(f"/waltham-forest/referrals/{item_id}/submit").status_code == 302
    item = item_state(app, c["tenant"], item_id)
    assert item.status == ItemStatus.SUBMITTED and item.meeting_id == c["meetings"][2] and not item.late


def test_on_time_until_the_end_of_the_deadline_day(app, client, login, council, clock):
    c = council("waltham-forest", {"late_policy: chair_discretion": "late_policy: refuse"})
    item_id = _draft(app, client, login, c)
    clock(london(2027, 3, 10, 23, 30))
    assert client.post(f"/waltham-forest/referrals/{item_id}/submit").status_code == 302
    item = item_state(app, c["tenant"], item_id)
    assert item.status == ItemStatus.SUBMITTED and item.late is False


def test_flagged_late_policy_needs_a_reason_and_shows_it_to_the_administrator(app, client, login, council, clock):
    c = council("waltham-forest", {"late_policy: chair_discretion": "late_policy: accept_flagged_late"})
    item_id = _draft(app, client, login, c)
    clock(london(2027, 3, 12, 10, 0))
    page = client.get(f"/waltham-forest/referrals/{item_id}")
    assert "Why is the referral late?" in page.text
    missing = client.post(f"/waltham-forest/referrals/{item_id}/submit", data={"late_reason": ""})
    assert missing.status_code == 400 and "Enter why the referral is late" in missing.text
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.DRAFT
    assert client.post(f"/waltham-forest/referrals/{item_id}/submit",
                       data={"late_reason": "The final care plan was filed on 11 March"}).status_code == 302
    item = item_state(app, c["tenant"], item_id)
    assert item.status == ItemStatus.SUBMITTED and item.late and item.late_reason.startswith("The final care plan")
    login(c["admin"])
    listing = client.get(f"/waltham-forest/meetings/{c['meetings'][1]}/referrals")
    assert listing.status_code == 200
    assert "Late: The final care plan was filed on 11 March" in listing.text
    assert client.post(f"/waltham-forest/referrals/{item_id}/book").status_code == 302
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.BOOKED
    assert any("referral booked" in s for s in emails_to(app, c["worker"].email, c["tenant"]))


def test_chair_discretion_waits_for_the_chair_who_accepts_or_declines(app, client, login, council, clock):
    c = council("waltham-forest")  # the seed's own policy
    item_id = _draft(app, client, login, c)
    second = new_item_id(refer(client, "waltham-forest", c["children"][1].id, c["meetings"][1], "tracking"))
    clock(london(2027, 3, 11, 9, 0))
    for i in (item_id, second):
        assert client.post(f"/waltham-forest/referrals/{i}/submit",
                           data={"late_reason": "Assessment finished late"}).status_code == 302
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.LATE_PENDING
    assert any("late referral for your decision" in s for s in emails_to(app, c["chair"].email, c["tenant"]))
    login(c["admin"])  # manages the panel but is not the chair
    assert client.post(f"/waltham-forest/referrals/{item_id}/late-ruling",
                       data={"accept": "yes", "ruling": "ok"}).status_code == 403
    login(c["chair"])
    no_reason = client.post(f"/waltham-forest/referrals/{item_id}/late-ruling", data={"accept": "yes"})
    assert no_reason.status_code == 400 and "Enter the reason for your decision" in no_reason.text
    assert client.post(f"/waltham-forest/referrals/{item_id}/late-ruling",
                       data={"accept": "yes", "ruling": "Urgent: court hearing next week"}).status_code == 302
    assert client.post(f"/waltham-forest/referrals/{second}/late-ruling",
                       data={"accept": "no", "ruling": "Can wait for 31 March"}).status_code == 302
    accepted, declined = item_state(app, c["tenant"], item_id), item_state(app, c["tenant"], second)
    assert accepted.status == ItemStatus.SUBMITTED and accepted.late and accepted.late_ruling.startswith("Urgent")
    assert declined.status == ItemStatus.DECLINED
    assert "Urgent: court hearing next week" in client.get(f"/waltham-forest/referrals/{item_id}").text
    assert any("late referral declined" in s for s in emails_to(app, c["worker"].email, c["tenant"]))


def test_quality_assurance_return_and_submit(app, client, login, council, clock):
    c = council("permanence-panel-pptm")  # quality_assurance_by: team-manager
    login(c["worker"])
    ava = c["children"][0]
    item_id = new_item_id(refer(client, "permanence-panel-pptm", ava.id, c["meetings"][1], "plan-ratification",
                                data={}))
    assert client.post(f"/permanence-panel-pptm/referrals/{item_id}/submit").status_code == 403
    assert client.post(f"/permanence-panel-pptm/referrals/{item_id}/send-for-qa").status_code == 302
    assert any("a referral to quality-assure" in s for s in emails_to(app, c["manager"].email, c["tenant"]))
    login(c["manager"])
    queue = client.get("/permanence-panel-pptm/referrals/?view=qa")
    assert "Ava Fictional" in queue.text
    empty = client.post(f"/permanence-panel-pptm/referrals/{item_id}/return", data={"comments": ""})
    assert empty.status_code == 400 and "Enter what needs to change" in empty.text
    assert client.post(f"/permanence-panel-pptm/referrals/{item_id}/return",
                       data={"comments": "Add the parallel plan"}).status_code == 302
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.RETURNED
    assert any("your referral is returned" in s for s in emails_to(app, c["worker"].email, c["tenant"]))
    login(c["worker"])
    assert "Add the parallel plan" in client.get(f"/permanence-panel-pptm/referrals/{item_id}").text
    assert client.post(f"/permanence-panel-pptm/referrals/{item_id}/send-for-qa").status_code == 302
    login(c["manager"])
    assert client.post(f"/permanence-panel-pptm/referrals/{item_id}/submit",
                       data={"comments": "Checked"}).status_code == 302
    item = item_state(app, c["tenant"], item_id)
    assert item.status == ItemStatus.SUBMITTED and item.quality_assured_by_id == c["manager"].id
    history = client.get(f"/permanence-panel-pptm/referrals/{item_id}").text
    for line in ("Sam Worker: sent the referral to the team manager", "Tess Manager: returned the referral",
                 "Tess Manager: submitted the referral"):
        assert line in history


def test_missing_papers_follow_until_the_papers_deadline_then_block(app, client, login, council, clock):
    c = council("permanence-panel-pptm")
    login(c["manager"])  # a team manager refers and quality-assures their own referral
    on_time = new_item_id(refer(client, "permanence-panel-pptm", c["children"][0].id, c["meetings"][1],
                                "plan-ratification", data={}))
    clock(london(2027, 3, 12, 16, 0))
    assert client.post(f"/permanence-panel-pptm/referrals/{on_time}/submit").status_code == 302
    page = client.get(f"/permanence-panel-pptm/referrals/{on_time}")
    assert "Papers to follow" in page.text and "Missing" in page.text
    too_late = new_item_id(refer(client, "permanence-panel-pptm", c["children"][1].id, c["meetings"][1],
                                 "plan-ratification", data={}))
    clock(london(2027, 3, 13, 9, 0))
    refused = client.post(f"/permanence-panel-pptm/referrals/{too_late}/submit")
    assert refused.status_code == 400
    assert "The papers were due by Friday 12 March 2027" in refused.text
    assert "Permanence paperwork" in refused.text or "permanence" in refused.text.lower()
    assert item_state(app, c["tenant"], too_late).status == ItemStatus.DRAFT
    page = client.get(f"/permanence-panel-pptm/referrals/{too_late}")
    assert f"/permanence-panel-pptm/papers/upload?subject_type=agenda_item&amp;subject_id={too_late}" in page.text
    uploaded = client.post(f"/permanence-panel-pptm/papers/upload?subject_type=agenda_item&subject_id={too_late}",
                           data={"paperwork_id": "permanence-paperwork",
                                 "file": (io.BytesIO(b"%PDF-1.4\n% fictional\n%%EOF\n"), "paperwork.pdf")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 302, uploaded.text
    assert uploaded.headers["Location"].endswith(f"/permanence-panel-pptm/referrals/{too_late}#papers")
    assert client.post(f"/permanence-panel-pptm/referrals/{too_late}/submit").status_code == 302
    page = client.get(f"/permanence-panel-pptm/referrals/{too_late}").text
    assert "Uploaded" in page and page.count('id="papers"') == 1


def test_a_sibling_group_is_referred_as_one_item(app, client, login, council):
    c = council("waltham-forest")
    with app.app_context(), tenant_context(c["tenant"].id):
        group = SiblingGroup(name="The Fictional siblings")
        db.session.add(group)
        db.session.flush()
        for child in c["children"]:
            db.session.get(Child, child.id).sibling_group_id = group.id
        commit()
    login(c["worker"])
    ava, ben = c["children"]
    part = client.get(f"/waltham-forest/referrals/new/part?child_id={ava.id}&meeting_id={c['meetings'][1]}")
    assert "Refer The Fictional siblings together, as one item" in part.text
    item_id = new_item_id(refer(client, "waltham-forest", ava.id, c["meetings"][1], "tracking", as_group="y"))
    item = item_state(app, c["tenant"], item_id)
    assert item.sibling_group_id is not None and item.child_id is None
    page = client.get(f"/waltham-forest/referrals/{item_id}").text
    assert "Ava Fictional, Ben Fictional" in page
    again = refer(client, "waltham-forest", ben.id, c["meetings"][1], "tracking")
    assert again.status_code == 400 and "already on this meeting" in again.text
    assert len(items_of(app, c["tenant"])) == 1


def test_withdraw_and_decline(app, client, login, council):
    c = council("waltham-forest")
    item_id = _draft(app, client, login, c)
    second = new_item_id(refer(client, "waltham-forest", c["children"][1].id, c["meetings"][1], "tracking"))
    assert client.post(f"/waltham-forest/referrals/{item_id}/withdraw", data={"reason": "Plan settled"}).status_code == 302
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.WITHDRAWN
    assert client.post(f"/waltham-forest/referrals/{second}/submit").status_code == 302
    login(c["worker"])
    assert client.post(f"/waltham-forest/referrals/{second}/decline", data={"reason": "x"}).status_code == 403
    login(c["admin"])
    no_reason = client.post(f"/waltham-forest/referrals/{second}/decline", data={"reason": ""})
    assert no_reason.status_code == 400 and "Enter why the referral is declined" in no_reason.text
    assert client.post(f"/waltham-forest/referrals/{second}/decline",
                       data={"reason": "Not a permanence matter"}).status_code == 302
    assert item_state(app, c["tenant"], second).status == ItemStatus.DECLINED
    assert any("referral declined" in s for s in emails_to(app, c["worker"].email, c["tenant"]))


def test_referrals_list_mine_and_submitted(app, client, login, council):
    c = council("waltham-forest")
    item_id = _draft(app, client, login, c)
    mine = client.get("/waltham-forest/referrals/")
    assert mine.status_code == 200 and "Ava Fictional" in mine.text
    login(c["other_worker"])
    assert "Ava Fictional" not in client.get("/waltham-forest/referrals/").text
    assert client.get(f"/waltham-forest/referrals/{item_id}").status_code == 403
    login(c["admin"])
    assert "Ava Fictional" not in client.get("/waltham-forest/referrals/?view=submitted").text
    login(c["worker"])
    client.post(f"/waltham-forest/referrals/{item_id}/submit")
    login(c["admin"])
    submitted = client.get(f"/waltham-forest/referrals/?view=submitted&meeting_id={c['meetings'][1]}")
    assert "Ava Fictional" in submitted.text
    assert "Ava Fictional" not in client.get(
        f"/waltham-forest/referrals/?view=submitted&meeting_id={c['meetings'][2]}").text


def test_only_the_referrer_or_administrator_may_open_a_referral_to_change_it_and_only_while_a_draft(
        app, client, login, council):
    """The change form was served to anyone who may refer (a posted change was refused, but the form
    showed): the chair and another worker are sent back to the referral, as is the referrer once the
    referral has been submitted."""
    c = council("waltham-forest")
    item_id = _draft(app, client, login, c)
    assert client.get(f"/waltham-forest/referrals/{item_id}/edit").status_code == 200
    login(c["chair"])  # may not refer at all
    assert client.get(f"/waltham-forest/referrals/{item_id}/edit").status_code == 403
    login(c["manager"])  # may refer, and sees the child, but did not make this referral
    page = client.get(f"/waltham-forest/referrals/{item_id}/edit", follow_redirects=True)
    assert "This referral cannot be changed by you now" in page.text
    assert f"/referrals/{item_id}/edit" not in page.text  # no 'Change' link either
    login(c["admin"])
    assert client.get(f"/waltham-forest/referrals/{item_id}/edit").status_code == 200
    login(c["worker"])
    assert client.post(f"/waltham-forest/referrals/{item_id}/submit").status_code == 302
    page = client.get(f"/waltham-forest/referrals/{item_id}/edit", follow_redirects=True)
    assert "This referral cannot be changed by you now" in page.text
