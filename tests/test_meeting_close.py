"""The end of a sitting (issue 10, item 7): minutes are approved only when every booked item is
recorded, deferred or marked not heard (the refusal names the items); an item not heard gives
its reason and the child is proposed at the next sitting; and the next sitting's agenda is agreed
at the meeting (Knowsley: "the agenda is agreed at the previous meeting"), its children arriving
booked, not proposed. Pages and API; Knowsley's sitting is held today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from permanence.audit.models import AuditEvent
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels.models import AgendaItem, ItemStatus, Meeting
from meetings_support import item_of
from sitting_support import booked_at, knowsley_sitting, pptm_held_today

RECORD = {"discussion": "Adoption plan progressing; matching under way.", "care_plan_confirmed": "yes",
          "legal_status_confirmed": "yes", "outcome_id": "actions-and-return",
          "decision": "Actions agreed; back to panel next month.", "next_review_on": "", "escalate": "no",
          "escalation_reason": ""}


@pytest.fixture
def sitting(app, make_user, make_child):
    return knowsley_sitting(app, make_user, make_child)


@pytest.fixture
def api(client, make_token):
    def as_(sitting, who):
        _, secret = make_token(sitting.tenant, sitting.people[who])
        headers = {"Authorization": f"Bearer {secret}"}
        base = f"/{sitting.slug}/api/v1"

        class Caller:
            def get(self, path):
                return client.get(base + path, headers=headers)

            def post(self, path, body=None):
                return client.post(base + path, json=body if body is not None else {}, headers=headers)

        return Caller()

    return as_


def _assemble(client, sitting):
    client.post(f"/{sitting.slug}/meetings/{sitting.ids.meeting}/minutes/assemble", data={})
    with client.application.app_context(), tenant_context(sitting.tenant.id):
        return db.session.get(Meeting, sitting.ids.meeting).minutes.revision


def test_minutes_are_not_approved_while_a_booked_item_is_unrecorded_and_the_refusal_names_it(
        app, client, login, sitting, api):
    alder, beech, cedar = sitting.ids.items
    login(sitting.people["admin"])
    client.post(f"/{sitting.slug}/agenda-items/{alder}/record", data=RECORD)
    login(sitting.people["chair"])
    revision = _assemble(client, sitting)
    page = client.get(f"/{sitting.slug}/meetings/{sitting.ids.meeting}/minutes").text
    assert "The minutes cannot be approved until every item is recorded" in page
    assert "Fictional Beech (KN-FICT-2)" in page and "Fictional Cedar (KN-FICT-3)" in page
    assert "Fictional Alder (KN-FICT-1)</a></li>" not in page.split("Still to record")[1].split("</ul>")[0]

    response = client.post(f"/{sitting.slug}/meetings/{sitting.ids.meeting}/minutes/approve",
                           data={"revision": str(revision)})
    assert response.status_code == 409
    assert ("The minutes cannot be approved until every item on the agenda is recorded, deferred or marked not "
            "heard. Still to record: Fictional Beech (KN-FICT-2), Fictional Cedar (KN-FICT-3)") in response.text
    refused = api(sitting, "chair").post(f"/meetings/{sitting.ids.meeting}/minutes/approve", {"revision": revision})
    assert refused.status_code == 409 and "Fictional Beech (KN-FICT-2)" in refused.get_json()["message"]

    # Beech deferred, Cedar not heard: the minutes are complete and can be approved.
    client.post(f"/{sitting.slug}/agenda-items/{beech}/defer", data={"reason": "Parents' solicitor unavailable"})
    client.post(f"/{sitting.slug}/agenda-items/{cedar}/not-heard", data={"reason": "The meeting ran out of time"})
    revision = _assemble(client, sitting)
    response = client.post(f"/{sitting.slug}/meetings/{sitting.ids.meeting}/minutes/approve",
                           data={"revision": str(revision)}, follow_redirects=True)
    assert "The minutes are approved." in response.text
    assert "Not heard: The meeting ran out of time" in response.text  # in the minutes' text


def test_an_item_not_heard_gives_its_reason_and_the_child_is_proposed_at_the_next_sitting(app, client, login,
                                                                                          sitting):
    cedar = sitting.ids.items[2]
    login(sitting.people["admin"])
    page = client.get(f"/{sitting.slug}/agenda-items/{cedar}/record").text
    assert "Record as not heard" in page
    response = client.post(f"/{sitting.slug}/agenda-items/{cedar}/not-heard", data={"reason": ""})
    assert response.status_code == 400 and "Enter why the item was not heard" in response.text
    response = client.post(f"/{sitting.slug}/agenda-items/{cedar}/not-heard",
                           data={"reason": "The social worker was in court"}, follow_redirects=True)
    assert "The item is recorded as not heard. The child is proposed for the sitting on" in response.text
    assert "Not heard" in response.text and "The social worker was in court" in response.text
    assert item_of(app, sitting.tenant, cedar).status == ItemStatus.NOT_HEARD

    child = sitting.children[2].id
    assert booked_at(app, sitting.tenant, sitting.ids.later)[child] == ("proposed", "scrutiny")
    with app.app_context(), tenant_context(sitting.tenant.id):
        proposal = db.session.execute(select(AgendaItem).where(AgendaItem.meeting_id == sitting.ids.later,
                                                               AgendaItem.child_id == child)).scalar_one()
        assert proposal.carried_from_id == cedar and "The social worker was in court" in proposal.reason
        steps = db.session.execute(select(AuditEvent.action).where(
            AuditEvent.entity_type == "AgendaItem", AuditEvent.entity_id == str(proposal.id))).scalars().all()
        assert "referral.proposed" in steps

    # Only once: a second time is refused, and nothing is proposed twice.
    again = client.post(f"/{sitting.slug}/agenda-items/{cedar}/not-heard", data={"reason": "Again"},
                        follow_redirects=True)
    assert "Only a booked item can be marked not heard; this one is not heard" in again.text


def test_an_item_is_not_marked_not_heard_before_its_meeting(app, client, login, sitting, api):
    with app.app_context(), tenant_context(sitting.tenant.id):
        db.session.get(Meeting, sitting.ids.meeting).date += timedelta(days=3)
        commit()
    login(sitting.people["admin"])
    page = client.get(f"/{sitting.slug}/agenda-items/{sitting.ids.items[0]}/record").text
    assert "its items are recorded from that day" in page
    assert "Record as not heard" not in page and "Save the record" not in page
    response = api(sitting, "admin").post(f"/agenda-items/{sitting.ids.items[0]}/not-heard", {"reason": "Too soon"})
    assert response.status_code == 409 and "marked not heard from that day" in response.get_json()["message"]


def test_the_api_marks_an_item_not_heard(app, sitting, api):
    chair = api(sitting, "chair")
    response = chair.post(f"/agenda-items/{sitting.ids.items[1]}/not-heard", {"reason": ""})
    assert response.status_code == 422 and "reason" in response.get_json()["errors"]["json"]
    response = chair.post(f"/agenda-items/{sitting.ids.items[1]}/not-heard", {"reason": "Papers not received"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["not_heard"]["status"] == "not_heard" and "Papers not received" in body["not_heard"]["decision"]
    assert body["next"]["status"] == "proposed" and body["next"]["meeting_id"] == sitting.ids.later
    assert body["next"]["carried_from_id"] == sitting.ids.items[1]


def test_the_next_sittings_agenda_is_agreed_at_the_end_of_the_meeting_and_arrives_booked(app, client, login,
                                                                                         sitting):
    alder, beech, cedar = sitting.ids.items
    record_url = f"/{sitting.slug}/meetings/{sitting.ids.meeting}/record"
    login(sitting.people["admin"])
    page = client.get(record_url).text
    assert "Agenda for the next sitting" in page and "The terms of reference agree the agenda" in page
    assert 'name="agree" type="checkbox" value="%d"' % alder in page

    response = client.post(f"/{sitting.slug}/meetings/{sitting.ids.meeting}/next-agenda",
                           data={"agree": [str(alder), str(cedar)], f"part-{alder}": "adoption-tracking",
                                 f"part-{cedar}": "placed-with-parents"}, follow_redirects=True)
    assert "is agreed: 2 children booked or moved." in response.text
    booked = booked_at(app, sitting.tenant, sitting.ids.later)
    alder_child, beech_child, cedar_child = (c.id for c in sitting.children)
    assert booked[alder_child] == ("booked", "adoption-tracking")
    assert booked[cedar_child] == ("booked", "placed-with-parents")
    assert beech_child not in booked
    with app.app_context(), tenant_context(sitting.tenant.id):
        rows = db.session.execute(select(AgendaItem).where(AgendaItem.meeting_id == sitting.ids.later)).scalars().all()
        assert {r.entry_route for r in rows} == {"agreed_at_previous_meeting"}
        steps = db.session.execute(select(AuditEvent.summary).where(
            AuditEvent.action == "referral.agreed",
            AuditEvent.entity_id.in_([str(r.id) for r in rows]))).scalars().all()
        assert len(steps) == 2 and all("agreed at the meeting of" in s for s in steps)

    # Agreeing the same again changes nothing; a part that does not take the route is refused.
    response = client.post(f"/{sitting.slug}/meetings/{sitting.ids.meeting}/next-agenda",
                           data={"agree": [str(alder)], f"part-{alder}": "adoption-tracking"}, follow_redirects=True)
    assert "Nothing changed: those children are already booked for the next sitting." in response.text
    assert booked_at(app, sitting.tenant, sitting.ids.later) == booked
    response = client.post(f"/{sitting.slug}/meetings/{sitting.ids.meeting}/next-agenda",
                           data={"agree": [str(beech)], f"part-{beech}": "matching-and-approval"})
    assert response.status_code == 400
    assert "Select a part of the agenda that takes children agreed at the previous meeting" in response.text
    assert f'href="#agree-{beech}"' in response.text
    response = client.post(f"/{sitting.slug}/meetings/{sitting.ids.meeting}/next-agenda", data={})
    assert response.status_code == 400 and "Select the children who come to the next sitting" in response.text
    assert beech_child not in booked_at(app, sitting.tenant, sitting.ids.later)

    # The minutes record the agenda agreed.
    login(sitting.people["chair"])
    _assemble(client, sitting)
    with app.app_context(), tenant_context(sitting.tenant.id):
        text = db.session.get(Meeting, sitting.ids.meeting).minutes.text
    assert "Agenda agreed for the next sitting (" in text
    assert "- Fictional Alder (KN-FICT-1): Part 1: Adoption tracking" in text
    assert "- Fictional Cedar (KN-FICT-3): Part 3: Children placed at home with parents" in text

    # A social worker does not agree the agenda.
    login(sitting.people["worker"])
    assert client.post(f"/{sitting.slug}/meetings/{sitting.ids.meeting}/next-agenda",
                       data={"agree": [str(beech)]}).status_code == 403


def test_a_proposal_for_the_next_sitting_is_booked_when_agreed_not_duplicated(app, client, login, sitting):
    beech = sitting.ids.items[1]
    login(sitting.people["admin"])
    client.post(f"/{sitting.slug}/agenda-items/{beech}/not-heard", data={"reason": "Ran out of time"})
    with app.app_context(), tenant_context(sitting.tenant.id):
        proposal = db.session.execute(select(AgendaItem.id).where(
            AgendaItem.meeting_id == sitting.ids.later)).scalar_one()
    page = client.get(f"/{sitting.slug}/meetings/{sitting.ids.meeting}/record").text
    assert page.count(f'name="agree" type="checkbox" value="{beech}"') == 1  # one row for the child
    client.post(f"/{sitting.slug}/meetings/{sitting.ids.meeting}/next-agenda",
                data={"agree": [str(beech)], f"part-{beech}": "adoption-tracking"})
    rows = booked_at(app, sitting.tenant, sitting.ids.later)
    assert rows == {sitting.children[1].id: ("booked", "adoption-tracking")}
    assert item_of(app, sitting.tenant, proposal).status == ItemStatus.BOOKED


def test_the_api_agrees_the_next_agenda(app, sitting, api):
    alder = sitting.ids.items[0]
    admin = api(sitting, "admin")
    plan = admin.get(f"/meetings/{sitting.ids.meeting}/next-agenda").get_json()
    assert plan["next_meeting_id"] == sitting.ids.later
    assert [p["id"] for p in plan["parts"]] == ["adoption-tracking", "placed-with-parents", "scrutiny"]
    assert [c["agenda_item_id"] for c in plan["candidates"]] == sitting.ids.items
    assert plan["candidates"][0]["reference"] == "F.A. (KN-FICT-1)" and plan["candidates"][0]["agreed"] is False

    bad = admin.post(f"/meetings/{sitting.ids.meeting}/next-agenda",
                     {"items": [{"agenda_item_id": alder, "part_id": "matching-and-approval"}]})
    assert bad.status_code == 422 and "items.0.part_id" in bad.get_json()["errors"]["json"]
    bad = admin.post(f"/meetings/{sitting.ids.meeting}/next-agenda", {"items": [{"agenda_item_id": 999999}]})
    assert bad.status_code == 422 and "items.0.agenda_item_id" in bad.get_json()["errors"]["json"]
    done = admin.post(f"/meetings/{sitting.ids.meeting}/next-agenda", {"items": [{"agenda_item_id": alder}]})
    assert done.status_code == 200
    first = done.get_json()["candidates"][0]
    assert first["agreed"] is True and first["part_id"] == "adoption-tracking" and first["next_item_id"]
    again = admin.post(f"/meetings/{sitting.ids.meeting}/next-agenda", {"items": [{"agenda_item_id": alder}]})
    assert again.get_json() == done.get_json()
    assert list(booked_at(app, sitting.tenant, sitting.ids.later).values()) == [("booked", "adoption-tracking")]
    worker = api(sitting, "worker")
    assert worker.get(f"/meetings/{sitting.ids.meeting}/next-agenda").status_code == 403


def test_a_tracking_meeting_is_not_offered_the_next_sittings_agenda(app, client, login, make_user, api):
    """A per-child tracking meeting has no next sitting: the child's next meeting is booked by the
    outcome ("Review again at PPTM"), so the step is neither shown nor accepted."""
    pptm = pptm_held_today(app, make_user)
    login(pptm.people["chair"])
    page = client.get(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/record").text
    assert "Record of the meeting" in page and "Agenda for the next sitting" not in page
    response = api(pptm, "chair").post(f"/meetings/{pptm.ids.meeting}/next-agenda",
                                       {"items": [{"agenda_item_id": pptm.ids.item}]})
    assert response.status_code == 409
    assert "do not have this panel agree its next agenda" in response.get_json()["message"]
