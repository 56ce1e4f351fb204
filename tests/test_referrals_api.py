"""The referrals API: the same steps, permissions and object rules as the pages; a wrong input is a
422 naming the field (answers by their ToR field id), a wrong state a 409, and nothing is written."""

from __future__ import annotations

from sqlalchemy import select

from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.panels.models import ItemStatus, Meeting, PanelMember
from permanence.tor.services import active_version
from referrals_support import TODAY, clock, council, item_state, items_of, london  # noqa: F401
from test_referrals_proposals import _with_crafted_children

WF = {"reason": "Plan", "current-plan": "Long-term fostering", "legal-status": "C2"}


def api(client, make_token, c, who):
    _, secret = make_token(c["tenant"], c[who])
    headers = {"Authorization": f"Bearer {secret}"}
    slug = c["tenant"].slug

    def call(method, path, json=None):
        return client.open(f"/{slug}/api/v1{path}", method=method, json=json, headers=headers)

    return call


def _new(call, c, part="tracking", answers=None, child=0, meeting=1):
    return call("POST", "/referrals", {"meeting_id": c["meetings"][meeting], "part_id": part,
                                       "child_id": c["children"][child].id, "reason": "Drift in the plan",
                                       "answers": WF if answers is None else answers})


def test_create_a_referral_and_bad_input_names_the_field(app, client, make_token, council):
    c = council("waltham-forest")
    worker = api(client, make_token, c, "worker")
    bad = _new(worker, c, answers={"reason": "", "legal-status": "C2", "favourite-colour": "blue"})
    assert bad.status_code == 422
    errors = bad.json["errors"]["json"]["answers"]
    assert errors["reason"] == ["Enter reason for referral"]
    assert errors["current-plan"] == ["Enter current care and permanence plan"]
    assert "favourite-colour" in errors
    assert _new(worker, c, part="no-such-part").json["errors"]["json"] == {
        "part_id": ["Select the part of the agenda the child is referred to"]}
    neither = worker("POST", "/referrals", {"meeting_id": c["meetings"][1], "part_id": "tracking", "reason": "x"})
    assert neither.status_code == 422 and "child_id" in neither.json["errors"]["json"]
    assert items_of(app, c["tenant"]) == []
    made = _new(worker, c)
    assert made.status_code == 201
    assert made.json["status"] == "draft" and made.json["answers"] == WF
    assert made.json["children"] == [{"id": c["children"][0].id, "name": "Ava Fictional"}]


def test_a_child_the_member_cannot_see_is_403_and_another_councils_404(app, client, make_token, council, make_child):
    c = council("waltham-forest")
    other = council("redbridge")
    stranger = make_child(c["tenant"], social_worker=c["other_worker"])
    worker = api(client, make_token, c, "worker")
    body = {"meeting_id": c["meetings"][1], "part_id": "tracking", "reason": "x", "answers": WF}
    assert worker("POST", "/referrals", {**body, "child_id": stranger.id}).status_code == 403
    assert worker("POST", "/referrals", {**body, "child_id": other["children"][0].id}).status_code == 404
    item_id = _new(worker, c).json["id"]
    outsider = api(client, make_token, c, "other_worker")
    assert outsider("GET", f"/referrals/{item_id}").status_code == 403
    assert outsider("GET", "/referrals").json == []
    assert len(worker("GET", f"/referrals?meeting_id={c['meetings'][1]}&status=draft").json) == 1
    assert worker("GET", f"/referrals?meeting_id={c['meetings'][2]}").json == []


def test_quality_assurance_and_booking_keep_the_pages_permissions(app, client, make_token, council):
    c = council("permanence-panel-pptm")
    worker, manager, admin = (api(client, make_token, c, who) for who in ("worker", "manager", "admin"))
    item_id = _new(worker, c, part="plan-ratification", answers={}).json["id"]
    assert worker("PATCH", f"/referrals/{item_id}", {"reason": "Updated reason"}).json["reason"] == "Updated reason"
    assert worker("POST", f"/referrals/{item_id}/submit", {}).status_code == 403  # the ToR names QA by the TM
    assert worker("POST", f"/referrals/{item_id}/send-for-qa", {}).json["status"] == "awaiting_qa"
    assert worker("POST", f"/referrals/{item_id}/return", {"comments": "x"}).status_code == 403
    assert manager("POST", f"/referrals/{item_id}/return", {"comments": ""}).json["errors"]["json"] == {
        "comments": ["Enter what needs to change"]}
    submitted = manager("POST", f"/referrals/{item_id}/submit", {"comments": "Checked"})
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    assert submitted.json["papers_missing"] == ["permanence-paperwork"]
    assert worker("PATCH", f"/referrals/{item_id}", {"reason": "Too late"}).status_code == 409
    assert worker("POST", f"/referrals/{item_id}/book", {}).status_code == 403
    assert admin("POST", f"/referrals/{item_id}/book", {}).json["status"] == "booked"
    assert admin("POST", f"/referrals/{item_id}/book", {}).status_code == 409


def test_late_policies_through_the_api(app, client, make_token, council, clock):
    c = council("waltham-forest")
    worker, admin, chair = (api(client, make_token, c, who) for who in ("worker", "admin", "chair"))
    item_id = _new(worker, c).json["id"]
    clock(london(2027, 3, 11, 9, 0))
    assert worker("POST", f"/referrals/{item_id}/submit", {}).json["errors"]["json"] == {
        "late_reason": ["Enter why the referral is late"]}
    pending = worker("POST", f"/referrals/{item_id}/submit", {"late_reason": "Assessment late"})
    assert pending.json["status"] == "late_pending" and pending.json["late"] is True
    assert admin("POST", f"/referrals/{item_id}/late-ruling", {"accept": True, "ruling": "ok"}).status_code == 403
    assert worker("POST", f"/referrals/{item_id}/late-ruling", {"accept": True, "ruling": "ok"}).status_code == 403
    assert chair("POST", f"/referrals/{item_id}/late-ruling", {"ruling": "Urgent"}).json["errors"]["json"] == {
        "accept": ["Select whether the late referral is accepted"]}
    ruled = chair("POST", f"/referrals/{item_id}/late-ruling", {"accept": True, "ruling": "Urgent"})
    assert ruled.json["status"] == "submitted" and ruled.json["late_ruling"] == "Urgent"

    refusing = council("knowsley", {"      accepted_proposals: book_directly\n": "      accepted_proposals: book_directly\n      late_policy: refuse\n"})
    # Knowsley sets no referral deadline, only papers (a week before): a referral is never late,
    # but without the papers after that deadline it is refused, naming them.
    k_worker = api(client, make_token, refusing, "worker")
    k_item = _new(k_worker, refusing, part="matching-and-approval", answers={}, meeting=0).json["id"]
    clock(london(2027, 3, 11, 9, 0))
    refused = k_worker("POST", f"/referrals/{k_item}/submit", {})
    assert refused.status_code == 422
    assert "Most recent care plan" in refused.json["errors"]["json"]["papers"][0]
    assert item_state(app, refusing["tenant"], k_item).status == ItemStatus.DRAFT


def test_proposals_through_the_api(app, client, make_token, council):
    c = council("redbridge")
    _with_crafted_children(app, c["tenant"])
    worker, admin = api(client, make_token, c, "worker"), api(client, make_token, c, "admin")
    meeting = c["meetings"][0]
    assert worker("POST", f"/meetings/{meeting}/proposals/refresh").status_code == 403
    made = admin("POST", f"/meetings/{meeting}/proposals/refresh")
    assert made.status_code == 200 and len(made.json) == 5
    assert admin("POST", f"/meetings/{meeting}/proposals/refresh").json == []
    listed = admin("GET", f"/meetings/{meeting}/proposals").json
    assert {p["entry_route"] for p in listed} == {"cohort_rule"}
    first, second = listed[0]["id"], listed[1]["id"]
    assert admin("POST", f"/referrals/{first}/accept", {}).json["status"] == "booked"
    assert admin("POST", f"/referrals/{first}/accept", {}).status_code == 409
    assert admin("POST", f"/referrals/{second}/dismiss", {}).json["errors"]["json"] == {
        "reason": ["Enter why the proposal is dismissed"]}
    assert admin("POST", f"/referrals/{second}/dismiss", {"reason": "Seen last month"}).json["status"] == "dismissed"
    assert len(admin("GET", f"/meetings/{meeting}/proposals").json) == 3


def test_a_sitting_on_the_day_takes_no_new_referrals(app, client, make_token, council, clock):
    c = council("waltham-forest")
    with app.app_context(), tenant_context(c["tenant"].id):
        today = Meeting(body_id="ptm", tor_version_id=active_version(c["tenant"].id).id, date=TODAY)
        db.session.add(today)
        jobs.commit()
        meeting_id = today.id
    worker = api(client, make_token, c, "worker")
    refused = worker("POST", "/referrals", {"meeting_id": meeting_id, "part_id": "tracking", "reason": "x",
                                            "child_id": c["children"][0].id, "answers": WF})
    assert refused.status_code == 422
    assert refused.json["errors"]["json"] == {"meeting_id": ["Select a panel meeting that is still to come"]}
    assert items_of(app, c["tenant"]) == []


def test_referral_emails_name_the_child_by_initials_and_case_number_only(app, client, make_token, council, clock):
    c = council("waltham-forest")
    worker, admin = api(client, make_token, c, "worker"), api(client, make_token, c, "admin")
    item_id = _new(worker, c).json["id"]
    assert worker("POST", f"/referrals/{item_id}/submit", {}).json["status"] == "submitted"
    assert admin("POST", f"/referrals/{item_id}/book", {}).json["status"] == "booked"
    child = c["children"][0]
    with app.app_context(), tenant_context(c["tenant"].id):
        sent = db.session.execute(select(EmailMessage)).scalars().all()
        assert any("booked" in m.subject for m in sent)
        for message in sent:
            assert child.first_name not in message.body and child.first_name not in message.subject
        booked = next(m for m in sent if "booked" in m.subject)
        assert f"A.F. ({child.case_number})" in booked.body


def test_only_the_childs_or_referrers_team_manager_withdraws_a_referral(app, client, make_token, make_team,
                                                                        make_user, council, clock):
    c = council("waltham-forest")
    elsewhere = make_user(c["tenant"], ["team_manager"], team=make_team(c["tenant"], name="Children in Care 2"),
                          email="tm2@waltham-forest.example.org")
    with app.app_context(), tenant_context(c["tenant"].id):
        db.session.add(PanelMember(body_id="ptm", user_id=elsewhere.id, role="team-manager"))
        jobs.commit()
    worker, admin = api(client, make_token, c, "worker"), api(client, make_token, c, "admin")
    item_id = _new(worker, c).json["id"]
    worker("POST", f"/referrals/{item_id}/submit", {})
    assert admin("POST", f"/referrals/{item_id}/book", {}).json["status"] == "booked"
    other = api(client, make_token, {**c, "elsewhere": elsewhere}, "elsewhere")
    assert other("GET", f"/referrals/{item_id}").status_code == 200  # seated on the panel: sees the item
    assert other("POST", f"/referrals/{item_id}/withdraw", {"reason": "Not mine"}).status_code == 403
    assert item_state(app, c["tenant"], item_id).status == ItemStatus.BOOKED
    manager = api(client, make_token, c, "manager")
    withdrawn = manager("POST", f"/referrals/{item_id}/withdraw", {"reason": "Plan changed at review"})
    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "withdrawn"
