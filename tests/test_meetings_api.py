"""The meeting through the API: attendance and quorum under two seed terms of reference,
declarations and the chair's rulings (a member ruled out of an item cannot open its papers), the
item's record with its validation, the decision maker's sign-off, deferral, and permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.documents import services as papers
from permanence.documents.subjects import subject
from permanence.extensions import db
from permanence.panels.models import AgendaItem, ItemStatus, Meeting
from permanence.panels.services import london_today
from meetings_support import (KNOWSLEY, MONTHLY, emails, item_of, items_of, load_council, monthly_meeting, present,
                              sitting)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def monthly(app, make_user, make_child, make_token, client):
    setup = monthly_meeting(app, make_user, make_child)

    def as_(who):
        _, secret = make_token(setup["tenant"], setup["people"][who])
        headers = {"Authorization": f"Bearer {secret}"}
        base = f"/{MONTHLY['slug']}/api/v1"

        class Caller:
            def get(self, path):
                return client.get(base + path, headers=headers)

            def put(self, path, body):
                return client.put(base + path, json=body, headers=headers)

            def post(self, path, body=None):
                return client.post(base + path, json=body or {}, headers=headers)

        return Caller()

    setup["as_"] = as_
    return setup


def _take(api, meeting_id, **statuses):
    rows = api.get(f"/meetings/{meeting_id}/attendance").get_json()["attendance"]
    return api.put(f"/meetings/{meeting_id}/attendance", {"attendance": present(rows, **statuses)})


def test_attendance_is_prefilled_from_the_seats_and_quorum_follows_the_terms_of_reference(monthly):
    chair_api = monthly["as_"]("chair")
    people, meeting_id = monthly["people"], monthly["meeting_id"]
    before = chair_api.get(f"/meetings/{meeting_id}/attendance").get_json()
    assert before["recorded"] is False
    assert [r["user_id"] for r in before["attendance"]] == [people[k].id for k in ("chair", "tm1", "tm2", "iro")]
    assert before["attendance"][0]["role"] == "service-manager" and before["attendance"][0]["person"] == "Casey Chair"

    # Everyone present: 4 seats of the 3 needed, the service manager among them.
    response = _take(chair_api, meeting_id)
    assert response.status_code == 200
    body = response.get_json()
    assert body["recorded"] is True and body["quorum"]["met"] is True and body["quorum"]["counted"] == 4

    # The chair (the service manager) sends apologies: not quorate, and the reason says why.
    body = _take(chair_api, meeting_id, **{f"u{people['chair'].id}": "apologies"}).get_json()
    assert body["quorum"]["met"] is False
    assert body["quorum"]["reasons"] == ["no service manager is present"]

    # Two away: too few, even with a guest present (guests never count).
    rows = present(chair_api.get(f"/meetings/{meeting_id}/attendance").get_json()["attendance"],
                   **{f"u{people['tm1'].id}": "absent", f"u{people['tm2'].id}": "apologies"})
    rows.append({"name": "Gill Guest", "title": "Virtual school", "role": "", "status": "present"})
    body = chair_api.put(f"/meetings/{meeting_id}/attendance", {"attendance": rows}).get_json()
    assert body["quorum"]["met"] is False
    assert body["quorum"]["reasons"] == ["2 of the 3 members needed are present or represented"]
    assert any(r["name"] == "Gill Guest" for r in body["attendance"])

    # A representative counts for the member (the ToR allows substitutes).
    body = _take(chair_api, meeting_id, **{f"u{people['tm1'].id}": "represented",
                                           f"u{people['tm2'].id}": "absent"}).get_json()
    assert body["quorum"]["met"] is True and body["quorum"]["representatives_count"] is True


def test_knowsley_with_no_seats_lists_the_terms_of_reference_seats_and_needs_four(app, client, make_user, make_token):
    tenant = load_council(app, KNOWSLEY["slug"])
    admin = make_user(tenant, ["panel_administrator"])
    _, secret = make_token(tenant, admin)
    headers = {"Authorization": f"Bearer {secret}"}
    meeting_id = sitting(app, tenant, KNOWSLEY["body"])
    url = f"/knowsley/api/v1/meetings/{meeting_id}/attendance"
    rows = client.get(url, headers=headers).get_json()["attendance"]
    assert rows[0]["role"] == "senior-manager" and rows[0]["title"] == "Senior Manager Chair"
    assert all(r["user_id"] is None for r in rows) and len(rows) == 12

    # Only the chair and two others came (named in their seats): not quorate (4 needed).
    entries = [{"role": r["role"], "title": r["title"], "status": "absent"} for r in rows]
    for i, name in enumerate(["Sue Senior", "Pat Admin", "Tom Manager"]):
        entries[i].update(status="present", name=name)
    body = client.put(url, json={"attendance": entries}, headers=headers).get_json()
    assert body["quorum"]["met"] is False
    assert body["quorum"]["reasons"] == ["3 of the 4 members needed are present or represented"]
    # A fourth seat represented: quorate.
    entries[3].update(status="represented", represented_by="Nina Deputy")
    body = client.put(url, json={"attendance": entries}, headers=headers).get_json()
    assert body["quorum"]["met"] is True
    # Without the senior manager chair: not quorate.
    entries[0]["status"] = "apologies"
    entries[4].update(status="present", name="Vic Head")
    body = client.put(url, json={"attendance": entries}, headers=headers).get_json()
    assert body["quorum"]["reasons"] == ["no senior manager is present"]
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.get(Meeting, meeting_id).quorate is False


@pytest.mark.parametrize("change, field", [
    ({"status": "maybe"}, "attendance.1.status"),
    ({"status": "represented", "represented_by": ""}, "attendance.1.represented_by"),
    ({"role": "court-jester"}, "attendance.1.role"),
    ({"user_id": 999999}, "attendance.1.user_id"),
    (None, "attendance"),
])
def test_bad_attendance_is_a_422_naming_the_row_and_field_and_nothing_is_saved(monthly, change, field):
    api = monthly["as_"]("admin")
    meeting_id = monthly["meeting_id"]
    _take(api, meeting_id)
    rows = present(api.get(f"/meetings/{meeting_id}/attendance").get_json()["attendance"])
    if change is None:
        rows = None
    else:
        rows[1].update(change)
    response = api.put(f"/meetings/{meeting_id}/attendance", {"attendance": rows} if rows is not None else {})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]
    after = api.get(f"/meetings/{meeting_id}/attendance").get_json()
    assert [r["status"] for r in after["attendance"]] == ["present"] * 4


def _declare(api, meeting_id, user, item_id=None, interest="Knows the child's carers socially"):
    return api.post(f"/meetings/{meeting_id}/declarations",
                    {"user_id": user.id, "interest": interest, "agenda_item_id": item_id})


def test_only_the_chair_rules_and_leave_is_for_an_item(monthly):
    people, meeting_id, item_id = monthly["people"], monthly["meeting_id"], monthly["items"][0]
    admin, chair = monthly["as_"]("admin"), monthly["as_"]("chair")
    whole = _declare(admin, meeting_id, people["tm1"])
    assert whole.status_code == 201 and whole.get_json()["ruling"] == "pending"
    on_item = _declare(admin, meeting_id, people["tm2"], item_id).get_json()
    own = _declare(admin, meeting_id, people["chair"], item_id, "Was the child's IRO").get_json()

    # The administrator records declarations but does not rule.
    assert admin.post(f"/declarations/{on_item['id']}/ruling", {"ruling": "leave"}).status_code == 403
    # Leaving is ruled per item.
    response = chair.post(f"/declarations/{whole.get_json()['id']}/ruling", {"ruling": "leave"})
    assert response.status_code == 422 and "ruling" in response.get_json()["errors"]["json"]
    assert chair.post(f"/declarations/{whole.get_json()['id']}/ruling", {"ruling": "observe"}).status_code == 200
    assert chair.post(f"/declarations/{on_item['id']}/ruling", {"ruling": "nonsense"}).status_code == 422
    # The chair does not rule on their own declaration.
    assert chair.post(f"/declarations/{own['id']}/ruling", {"ruling": "take_part"}).status_code == 403
    ruled = chair.post(f"/declarations/{on_item['id']}/ruling", {"ruling": "leave"})
    assert ruled.status_code == 200 and ruled.get_json()["ruling"] == "leave"
    assert ruled.get_json()["ruled_by_id"] == people["chair"].id
    listed = {d["id"]: d["ruling"] for d in chair.get(f"/meetings/{meeting_id}/declarations").get_json()}
    assert listed == {whole.get_json()["id"]: "observe", on_item["id"]: "leave", own["id"]: "pending"}
    # A declaration for an item of another meeting is refused.
    response = _declare(admin, meeting_id, people["tm1"], 999999)
    assert response.status_code == 422 and "agenda_item_id" in response.get_json()["errors"]["json"]


def test_a_member_ruled_out_of_an_item_cannot_open_its_papers(app, monthly, client):
    assert subject("agenda_item") is not None, "the agenda feature registers the agenda_item papers subject"
    people, meeting_id, item_id = monthly["people"], monthly["meeting_id"], monthly["items"][0]
    tenant = monthly["tenant"]
    with app.app_context(), tenant_context(tenant.id):
        version = papers.attach("agenda_item", db.session.get(AgendaItem, item_id), paperwork_id="other",
                                title="Care plan summary", filename="care-plan.pdf", data=PDF,
                                uploaded_by=people["admin"].id)
        token = version.document.token
        commit()
    member = monthly["as_"]("tm2")
    assert member.get(f"/agenda-items/{item_id}/record").status_code == 200
    assert member.get(f"/papers/{token}/content").status_code == 200
    declaration = _declare(monthly["as_"]("admin"), meeting_id, people["tm2"], item_id).get_json()
    monthly["as_"]("chair").post(f"/declarations/{declaration['id']}/ruling", {"ruling": "leave"})
    assert member.get(f"/papers/{token}/content").status_code in (403, 404)
    assert member.get(f"/agenda-items/{item_id}/record").status_code == 403
    # The other item's papers and record stay open to them.
    assert member.get(f"/agenda-items/{monthly['items'][1]}/record").status_code == 200


RECORD = {"discussion": "Plan progressing; court date set.", "care_plan_confirmed": True,
          "legal_status_confirmed": True, "outcome_id": "continue-tracking", "decision": "Continue to track monthly.",
          "escalate": False}


@pytest.mark.parametrize("change, field", [
    ({"outcome_id": "adopt-a-pony"}, "outcome_id"),
    ({"outcome_id": None}, "outcome_id"),
    ({"escalate": True, "escalation_reason": ""}, "escalation_reason"),
    ({"next_review_on": "2026-02-30"}, "next_review_on"),
    ({"next_review_on": "2000-01-01"}, "next_review_on"),
    ({"care_plan_confirmed": None}, "care_plan_confirmed"),
    ({"decision": "  "}, "decision"),
])
def test_a_bad_record_is_a_422_naming_the_field_and_the_item_is_unchanged(app, monthly, change, field):
    api = monthly["as_"]("admin")
    item_id = monthly["items"][0]
    response = api.put(f"/agenda-items/{item_id}/record", {**RECORD, **change})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]
    item = item_of(app, monthly["tenant"], item_id)
    assert item.status == ItemStatus.BOOKED and item.outcome_id is None and item.recorded_at is None
    assert emails(app, monthly["tenant"]) == []


def test_recording_an_item_makes_it_heard_and_escalation_tells_the_ladder(app, monthly):
    api = monthly["as_"]("admin")
    item_id = monthly["items"][0]
    review = (london_today() + timedelta(days=20)).isoformat()
    response = api.put(f"/agenda-items/{item_id}/record", {
        **RECORD, "escalate": True, "escalation_reason": "Court delay of three months", "next_review_on": review})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "heard" and body["outcome_id"] == "continue-tracking" and body["sign_off"] == "not_needed"
    assert body["recorded_by_id"] == monthly["people"]["admin"].id and body["next_review_on"] == review
    told = [e for e in emails(app, monthly["tenant"]) if e[1].startswith("Escalated by")]
    assert [e[0] for e in told] == ["senior@monthly.example.org"]
    assert "Court delay of three months" in told[0][2]
    # The review was agreed at this meeting: the child is proposed at the first sitting on or after it.
    proposed = [i for i in items_of(app, monthly["tenant"], monthly["later_id"]) if i.status == ItemStatus.PROPOSED]
    assert [(i.child_id, i.entry_route) for i in proposed] == [(monthly["children"][0].id, "agreed_at_previous_meeting")]
    # Saving again with escalation still on tells nobody twice.
    api.put(f"/agenda-items/{item_id}/record", {**RECORD, "escalate": True, "escalation_reason": "Court delay"})
    assert len([e for e in emails(app, monthly["tenant"]) if e[1].startswith("Escalated by")]) == 1


def test_an_outcome_needing_sign_off_waits_for_the_senior_manager(app, monthly):
    item_id = monthly["items"][0]
    admin, senior = monthly["as_"]("admin"), monthly["as_"]("senior")
    body = admin.put(f"/agenda-items/{item_id}/record",
                     {**RECORD, "outcome_id": "senior-manager-decision"}).get_json()
    assert body["sign_off"] == "awaiting" and body["sign_off_role"] == "senior-manager"
    assert body["sign_off_text"] == "Awaiting sign-off by Senior manager: this recommendation is not yet agreed"
    asked = [e for e in emails(app, monthly["tenant"]) if e[1].startswith("Sign-off needed")]
    assert [e[0] for e in asked] == ["senior@monthly.example.org"]
    assert f"http://127.0.0.1:5000/monthly-tracking-overview/agenda-items/{item_id}/sign-off" in asked[0][2]  # BASE_URL

    # Others may not sign off: a team manager (the permission, but not the role) and the chair.
    assert monthly["as_"]("team_manager").post(f"/agenda-items/{item_id}/sign-off",
                                               {"agree": True}).status_code in (403, 404)
    assert monthly["as_"]("chair").post(f"/agenda-items/{item_id}/sign-off", {"agree": True}).status_code == 403
    assert monthly["as_"]("worker").post(f"/agenda-items/{item_id}/sign-off", {"agree": True}).status_code == 403
    # Disagreeing needs a note.
    response = senior.post(f"/agenda-items/{item_id}/sign-off", {"agree": False, "note": ""})
    assert response.status_code == 422 and "note" in response.get_json()["errors"]["json"]
    # Oversight: the senior manager reads the record but does not change it.
    assert senior.get(f"/agenda-items/{item_id}/record").status_code == 200
    assert senior.put(f"/agenda-items/{item_id}/record", RECORD).status_code == 403

    agreed = senior.post(f"/agenda-items/{item_id}/sign-off", {"agree": True, "note": "Agreed; fund the assessment"})
    assert agreed.status_code == 200
    body = agreed.get_json()
    assert body["sign_off"] == "agreed" and body["signed_off_by_id"] == monthly["people"]["senior"].id
    assert body["sign_off_text"].startswith("Agreed by Sam Senior (Senior manager) on ")
    assert senior.post(f"/agenda-items/{item_id}/sign-off", {"agree": False, "note": "Changed my mind"}).status_code == 409
    # What the decision maker agreed to is not changed afterwards.
    changed = admin.put(f"/agenda-items/{item_id}/record", {**RECORD, "outcome_id": "senior-manager-decision",
                                                            "decision": "Something else"})
    assert changed.status_code == 409
    assert item_of(app, monthly["tenant"], item_id).decision == RECORD["decision"]


def test_disagreeing_tells_the_recorder_and_the_record_stays_not_agreed(app, monthly):
    item_id = monthly["items"][1]
    monthly["as_"]("admin").put(f"/agenda-items/{item_id}/record", {**RECORD, "outcome_id": "senior-manager-decision"})
    body = monthly["as_"]("senior").post(f"/agenda-items/{item_id}/sign-off",
                                         {"agree": False, "note": "Seek legal advice first"}).get_json()
    assert body["sign_off"] == "not_agreed" and "Not agreed by Sam Senior" in body["sign_off_text"]
    told = [e for e in emails(app, monthly["tenant"]) if e[1].startswith("Recommendation not agreed")]
    assert [e[0] for e in told] == ["admin@monthly.example.org"] and "Seek legal advice first" in told[0][2]


def test_deferring_books_the_item_at_the_next_sitting(app, monthly):
    api = monthly["as_"]("admin")
    item_id = monthly["items"][0]
    assert api.post(f"/agenda-items/{item_id}/defer", {"reason": ""}).status_code == 422
    response = api.post(f"/agenda-items/{item_id}/defer", {"reason": "Social worker off sick"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["deferred"]["status"] == "deferred" and "Social worker off sick" in item_of(
        app, monthly["tenant"], item_id).decision
    carried = item_of(app, monthly["tenant"], body["carried"]["id"])
    assert carried.meeting_id == monthly["later_id"] and carried.status == ItemStatus.BOOKED
    assert carried.carried_from_id == item_id and carried.child_id == monthly["children"][0].id
    assert api.post(f"/agenda-items/{item_id}/defer", {"reason": "Again"}).status_code == 409
    # The carried item has no later sitting to go to.
    assert api.post(f"/agenda-items/{carried.id}/defer", {"reason": "Again"}).status_code == 409


def test_a_social_worker_cannot_record_and_another_council_gets_404(app, monthly, make_user, make_token, client):
    item_id, meeting_id = monthly["items"][0], monthly["meeting_id"]
    worker = monthly["as_"]("worker")
    assert worker.put(f"/agenda-items/{item_id}/record", RECORD).status_code == 403
    assert worker.put(f"/meetings/{meeting_id}/attendance", {"attendance": []}).status_code == 403
    assert worker.post(f"/agenda-items/{item_id}/defer", {"reason": "x"}).status_code == 403
    other = load_council(app, KNOWSLEY["slug"])
    admin = make_user(other, ["panel_administrator"])
    _, secret = make_token(other, admin)
    headers = {"Authorization": f"Bearer {secret}"}
    for method, path, body in (("get", f"/meetings/{meeting_id}/attendance", None),
                               ("get", f"/agenda-items/{item_id}/record", None),
                               ("put", f"/agenda-items/{item_id}/record", RECORD),
                               ("post", f"/agenda-items/{item_id}/defer", {"reason": "x"}),
                               ("get", f"/meetings/{meeting_id}/declarations", None)):
        response = getattr(client, method)(f"/knowsley/api/v1{path}", headers=headers,
                                           **({} if body is None else {"json": body}))
        assert response.status_code == 404, (method, path)
    assert item_of(app, monthly["tenant"], item_id).status == ItemStatus.BOOKED


def test_an_item_is_not_recorded_before_its_meeting(app, monthly):
    tenant = monthly["tenant"]
    with app.app_context(), tenant_context(tenant.id):
        item = db.session.get(AgendaItem, monthly["items"][0])
        item.meeting_id = monthly["later_id"]
        commit()
    response = monthly["as_"]("admin").put(f"/agenda-items/{monthly['items'][0]}/record", RECORD)
    assert response.status_code == 409 and "its items are recorded from that day" in response.get_json()["message"]
    assert item_of(app, tenant, monthly["items"][0]).status == ItemStatus.BOOKED


def test_a_member_of_the_panel_declares_their_own_interest_ahead_of_the_meeting(monthly):
    people, meeting_id, item_id = monthly["people"], monthly["meeting_id"], monthly["items"][0]
    member, chair = monthly["as_"]("tm1"), monthly["as_"]("chair")
    mine = member.post(f"/meetings/{meeting_id}/declarations",
                       {"agenda_item_id": item_id, "interest": "Supervised the child's carers"})
    assert mine.status_code == 201
    assert (mine.get_json()["user_id"], mine.get_json()["ruling"]) == (people["tm1"].id, "pending")
    # Only their own, and only as a member of this panel.
    assert _declare(member, meeting_id, people["tm2"]).status_code == 403
    worker = monthly["as_"]("worker")
    refused = worker.post(f"/meetings/{meeting_id}/declarations", {"interest": "Not on the panel"})
    assert refused.status_code == 403
    blank = member.post(f"/meetings/{meeting_id}/declarations", {"interest": ""})
    assert blank.status_code == 422 and "interest" in blank.get_json()["errors"]["json"]
    assert chair.post(f"/declarations/{mine.get_json()['id']}/ruling", {"ruling": "leave"}).status_code == 200
    assert len(chair.get(f"/meetings/{meeting_id}/declarations").get_json()) == 1
