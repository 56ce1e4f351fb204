"""Drift climbing each seed council's escalation ladder as the clock advances (today passed to the
nightly job, never slept), the e-mails to the people holding each step's role, and people
acknowledging and escalating drift through the pages and the API with the same permissions.

Every case here is LATE-1 of ``tracker_support``: in care from Mon 4 Jan 2027 with no review, so
its first review (due Mon 1 Feb 2027) is overdue from Tue 2 Feb.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from permanence.audit.models import AuditEvent
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.tracker.jobs import nightly_tracker_job
from permanence.tracker.models import Drift, DriftAcknowledgement, Escalation
from tracker_support import crafted_children, load_seed

d = date
FIRST_REVIEW = "First looked-after review"


@pytest.fixture
def council(app, make_team, make_user):
    """``council(slug)``: a seed council with a member for each role, two senior managers and two
    team managers, and LATE-1 allocated to the social worker, one team manager and the IRO."""

    def make(slug):
        tenant = load_seed(app, slug)
        team = make_team(tenant)
        people = {
            "chair": make_user(tenant, ["chair"], email=f"chair@{slug}.example.org"),
            "senior1": make_user(tenant, ["senior_manager"], email=f"senior.one@{slug}.example.org"),
            "senior2": make_user(tenant, ["senior_manager"], email=f"senior.two@{slug}.example.org"),
            "tm": make_user(tenant, ["team_manager"], team=team, email=f"tm.own@{slug}.example.org"),
            "tm_other": make_user(tenant, ["team_manager"], email=f"tm.other@{slug}.example.org"),
            "iro": make_user(tenant, ["iro"], email=f"iro@{slug}.example.org"),
            "iro_other": make_user(tenant, ["iro"], email=f"iro.other@{slug}.example.org"),
            "sw": make_user(tenant, ["social_worker"], team=team, email=f"sw@{slug}.example.org"),
            "panel": make_user(tenant, ["panel_member"], email=f"panel@{slug}.example.org"),
        }
        with app.app_context(), tenant_context(tenant.id):
            late = next(c for c in crafted_children(team=team.id, social_worker=people["sw"].id,
                                                     team_manager=people["tm"].id, iro=people["iro"].id)
                        if c.case_number == "LATE-1")
            db.session.add(late)
            db.session.flush()
            child_id = late.id
            nightly_tracker_job(d(2027, 2, 2).isoformat())
            jobs.commit()
            drift_id = db.session.execute(select(Drift.id).where(Drift.rule_id == "first-review")).scalar_one()
        return {"tenant": tenant, "people": people, "child_id": child_id, "drift_id": drift_id}

    return make


def night(app, tenant, day, *record):
    """The nightly run on ``day``, after recording ``record`` (rows added that day, in the same
    transaction, so the recompute a change queues does not run on the real clock)."""
    with app.app_context(), tenant_context(tenant.id):
        db.session.add_all(record)
        db.session.flush()
        result = nightly_tracker_job(day.isoformat())
        jobs.commit()
        return result


def state(app, tenant, drift_id):
    with app.app_context(), tenant_context(tenant.id):
        drift = db.session.get(Drift, drift_id)
        return drift.level, drift.escalated_to


def emails(app, tenant, since_id=0):
    """(to, subject) of the e-mails about the first review, oldest first."""
    with app.app_context(), tenant_context(tenant.id):
        return [(m.to_address, m.subject) for m in db.session.execute(
            select(EmailMessage).where(EmailMessage.id > since_id, EmailMessage.subject.contains(FIRST_REVIEW))
            .order_by(EmailMessage.id)).scalars()]


def steps(app, tenant, drift_id):
    with app.app_context(), tenant_context(tenant.id):
        return [(e.level, e.role, e.escalated_on, e.manual, e.by_label, e.notified_list) for e in
                db.session.execute(select(Escalation).where(Escalation.drift_id == drift_id)
                                   .order_by(Escalation.id)).scalars()]


SENIORS = ["senior.one@{}.example.org", "senior.two@{}.example.org"]


def _seniors(slug):
    return [s.format(slug) for s in SENIORS]


def test_waltham_forest_drift_climbs_to_the_corporate_parenting_board(app, council):
    c = council("waltham-forest")
    tenant, drift_id, slug = c["tenant"], c["drift_id"], "waltham-forest"
    assert state(app, tenant, drift_id) == (0, None)
    # 20 working days after Mon 1 Feb is Mon 1 Mar: not reached on Fri 26 Feb.
    night(app, tenant, d(2027, 2, 26))
    assert state(app, tenant, drift_id) == (0, None) and emails(app, tenant) == []
    night(app, tenant, d(2027, 3, 1))
    assert state(app, tenant, drift_id) == (1, "corporate-parenting-management-team")
    subject = ("Drift escalated to Corporate Parenting Management Team: First looked-after review "
               "(child LATE-1)")
    assert emails(app, tenant) == [(to, subject) for to in _seniors(slug)]
    night(app, tenant, d(2027, 3, 2))  # nothing new the next night
    assert len(emails(app, tenant)) == 2
    # 3 months after 1 Feb is Sat 1 May.
    night(app, tenant, d(2027, 4, 30))
    assert state(app, tenant, drift_id)[0] == 1
    night(app, tenant, d(2027, 5, 1))
    assert state(app, tenant, drift_id) == (2, "corporate-parenting-board")
    assert emails(app, tenant)[2:] == [
        (to, "Drift escalated to Corporate Parenting Board: First looked-after review (child LATE-1)")
        for to in _seniors(slug)]
    assert [s[:5] for s in steps(app, tenant, drift_id)] == [
        (1, "corporate-parenting-management-team", d(2027, 3, 1), False, "system"),
        (2, "corporate-parenting-board", d(2027, 5, 1), False, "system")]


def test_redbridge_drift_climbs_to_the_team_manager_then_head_of_service_and_the_chair_briefs_the_md(
        app, council, client, login):
    c = council("redbridge")
    tenant, drift_id, slug = c["tenant"], c["drift_id"], "redbridge"
    night(app, tenant, d(2027, 2, 5))  # 4 working days
    assert state(app, tenant, drift_id) == (0, None)
    night(app, tenant, d(2027, 2, 8))  # 5 working days: the child's own team manager, not every one
    assert state(app, tenant, drift_id) == (1, "team-manager")
    # Its two drifts (the first review and the initial plan to the PTP) in one e-mail.
    assert emails(app, tenant) == [("tm.own@redbridge.example.org",
                                    "Drift escalated to Team manager: First looked-after review and 1 more (child LATE-1)")]
    night(app, tenant, d(2027, 2, 15))  # 10 working days: head of service (a senior manager)
    assert state(app, tenant, drift_id) == (2, "head-of-service")
    assert emails(app, tenant)[1:] == [
        (to, "Drift escalated to Head of service: First looked-after review and 1 more (child LATE-1)")
        for to in _seniors(slug)]
    # The last step is the chair's decision: never reached by time ...
    night(app, tenant, d(2027, 6, 1))
    assert state(app, tenant, drift_id)[0] == 2
    # ... the chair takes it, with a reason, and the Managing Director (a senior manager) is told.
    login(c["people"]["chair"])
    response = client.post(f"/{slug}/tracker/drift/{drift_id}/escalate",
                           data={"reason": "No review date set after two escalations"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The drift is escalated to Managing Director, L.B. Redbridge; 2 people were told by e-mail." in page
    assert state(app, tenant, drift_id) == (3, "managing-director")
    last = steps(app, tenant, drift_id)[-1]
    assert (last[0], last[1], last[3], last[5]) == (3, "managing-director", True, _seniors(slug))
    assert "No review date set after two escalations" in page
    # At the top: nothing more to escalate to.
    assert "The drift is at the top of the escalation ladder." in page
    response = client.post(f"/{slug}/tracker/drift/{drift_id}/escalate", data={"reason": "Again"})
    assert response.status_code == 400
    assert "This drift is already at the top of the ladder (Managing Director, L.B. Redbridge)" in \
        response.get_data(as_text=True)


def test_pptm_drift_goes_to_a_senior_manager_after_ten_working_days_or_sooner_by_the_chair(app, council, client,
                                                                                            login):
    c = council("permanence-panel-pptm")
    tenant, drift_id, slug = c["tenant"], c["drift_id"], "permanence-panel-pptm"
    login(c["people"]["chair"])
    # Before the ladder's time, the chair asks for a senior management decision (the first step).
    response = client.post(f"/{slug}/tracker/drift/{drift_id}/escalate",
                           data={"reason": "Professionals differ on the plan; senior decision needed"})
    assert response.status_code == 302
    assert state(app, tenant, drift_id) == (1, "senior-manager")
    assert [to for to, _ in emails(app, tenant)] == _seniors(slug)
    night(app, tenant, d(2027, 2, 12))  # 9 working days
    assert state(app, tenant, drift_id)[0] == 1
    night(app, tenant, d(2027, 2, 15))  # 10 working days: oversight by a senior manager
    assert state(app, tenant, drift_id) == (2, "senior-manager")
    assert [(s[0], s[3], s[4]) for s in steps(app, tenant, drift_id)] == [
        (1, True, c["people"]["chair"].name), (2, False, "system")]


def test_monthly_tracking_drift_goes_to_a_senior_manager_after_a_month_then_smt(app, council):
    c = council("monthly-tracking-overview")
    tenant, drift_id = c["tenant"], c["drift_id"]
    night(app, tenant, d(2027, 2, 28))
    assert state(app, tenant, drift_id) == (0, None)
    night(app, tenant, d(2027, 3, 1))  # 1 Feb + 1 month (the chair-decision step is skipped by time)
    assert state(app, tenant, drift_id) == (2, "senior-manager")
    night(app, tenant, d(2027, 4, 1))  # + 2 months
    assert state(app, tenant, drift_id) == (3, "smt")
    assert [s for _, s in emails(app, tenant)][-1] == \
        "Drift escalated to Senior Management Team (SMT): First looked-after review (child LATE-1)"


def test_knowsley_has_no_ladder_so_drift_is_only_recorded(app, council, client, login, make_token):
    c = council("knowsley")
    tenant, drift_id = c["tenant"], c["drift_id"]
    night(app, tenant, d(2027, 6, 1))
    assert state(app, tenant, drift_id) == (0, None)
    _, secret = make_token(tenant, c["people"]["chair"])
    response = client.post(f"/knowsley/api/v1/drift/{drift_id}/escalations", json={"reason": "Please act"},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 409
    assert response.json["message"] == "The terms of reference set no escalation ladder for this drift"


def test_drift_closes_itself_when_the_milestone_is_achieved_and_the_ladder_stops(app, council):
    from permanence.cases.models import Review

    c = council("redbridge")
    tenant, drift_id = c["tenant"], c["drift_id"]
    night(app, tenant, d(2027, 2, 8))
    night(app, tenant, d(2027, 2, 15), Review(child_id=c["child_id"], held_on=d(2027, 2, 10)))
    with app.app_context(), tenant_context(tenant.id):
        drift = db.session.get(Drift, drift_id)
        assert (drift.closed_on, drift.close_reason, drift.level) == (d(2027, 2, 15), "Achieved on 10 February 2027", 1)
    assert len(emails(app, tenant)) == 1  # the head of service is never told


# --- Acknowledging and escalating by hand -------------------------------------------------------------

def test_acknowledge_through_the_page_records_who_what_and_when(app, council, client, login):
    c = council("redbridge")
    tenant, drift_id = c["tenant"], c["drift_id"]
    login(c["people"]["tm"])
    url = f"/redbridge/tracker/drift/{drift_id}"
    page = client.get(url).get_data(as_text=True)
    assert "First looked-after review" in page and "Acknowledge drift" in page
    response = client.post(url + "/acknowledge", data={"note": ""})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Select what was decided" in text and "Enter what was decided and why" in text
    response = client.post(url + "/acknowledge", data={"decision": "action_agreed", "note": "x" * 2001})
    assert "The note must be 2000 characters or fewer" in response.get_data(as_text=True)
    response = client.post(url + "/acknowledge", data={"decision": "action_agreed",
                                                       "note": "Review booked for 10 March with the IRO"})
    assert response.status_code == 302
    assert "Your acknowledgement and the decision are recorded." in client.get(url).get_data(as_text=True)
    with app.app_context(), tenant_context(tenant.id):
        ack = db.session.execute(select(DriftAcknowledgement)).scalar_one()
        assert (ack.drift_id, ack.by_user_id, ack.decision, ack.note) == (
            drift_id, c["people"]["tm"].id, "action_agreed", "Review booked for 10 March with the IRO")
        assert db.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == "DriftAcknowledgement", AuditEvent.action == "create")).scalar_one() == 1
    # Acknowledging does not stop the ladder: the milestone is still not met.
    night(app, tenant, d(2027, 2, 8))
    assert state(app, tenant, drift_id)[0] == 1


def test_escalating_needs_a_reason(app, council, client, login):
    c = council("redbridge")
    login(c["people"]["iro"])
    response = client.post(f"/redbridge/tracker/drift/{c['drift_id']}/escalate", data={"reason": "  "})
    assert response.status_code == 400
    assert "Enter the reason for escalating" in response.get_data(as_text=True)
    assert state(app, c["tenant"], c["drift_id"]) == (0, None)


def test_the_api_acknowledges_and_escalates_with_field_errors(app, council, client, make_token):
    c = council("redbridge")
    tenant, drift_id = c["tenant"], c["drift_id"]
    _, secret = make_token(tenant, c["people"]["chair"])
    headers = {"Authorization": f"Bearer {secret}"}
    base = f"/redbridge/api/v1/drift/{drift_id}"
    response = client.post(base + "/acknowledgements", json={"decision": "shrug", "note": ""}, headers=headers)
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"decision", "note"}
    response = client.post(base + "/acknowledgements", json={"decision": "delay_accepted"}, headers=headers)
    assert response.json["errors"] == {"json": {"note": ["Enter what was decided and why"]}}
    response = client.post(base + "/acknowledgements", json={"decision": "delay_accepted",
                                                             "note": "Awaiting the IRO's availability"},
                           headers=headers)
    assert response.status_code == 201
    assert (response.json["decision"], response.json["by_label"]) == ("delay_accepted", c["people"]["chair"].name)
    response = client.post(base + "/escalations", json={}, headers=headers)
    assert response.json["errors"] == {"json": {"reason": ["Enter the reason for escalating"]}}
    response = client.post(base + "/escalations", json={"reason": "Second month without a review"}, headers=headers)
    assert response.status_code == 201
    assert (response.json["level"], response.json["role"], response.json["manual"], response.json["notified"]) == (
        1, "team-manager", True, ["tm.own@redbridge.example.org"])
    drift = client.get(base, headers=headers).json
    assert (drift["level"], drift["escalated_to"], len(drift["escalations"]), len(drift["acknowledgements"])) == (
        1, "team-manager", 1, 1)
    listed = client.get("/redbridge/api/v1/drift/", headers=headers).json
    assert {(x["rule_id"], x["level"]) for x in listed} == {("first-review", 1), ("ptp-initial-plan", 0)}


def test_closed_drift_cannot_be_acknowledged(app, council, client, make_token):
    from permanence.cases.models import Review

    c = council("redbridge")
    tenant, drift_id = c["tenant"], c["drift_id"]
    night(app, tenant, d(2027, 2, 4), Review(child_id=c["child_id"], held_on=d(2027, 2, 3)))
    _, secret = make_token(tenant, c["people"]["chair"])
    response = client.post(f"/redbridge/api/v1/drift/{drift_id}/acknowledgements",
                           json={"decision": "other", "note": "Late"}, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 409
    assert response.json["message"] == "This drift was closed on 4 February 2027 (Achieved on 3 February 2027)"


def test_who_may_see_and_act_on_drift(app, council, client, login, make_token):
    c = council("redbridge")
    people, drift_id = c["people"], c["drift_id"]
    url = f"/redbridge/tracker/drift/{drift_id}"
    # A social worker sees their child's drift on the tracker but cannot acknowledge or escalate it.
    login(people["sw"])
    assert client.get("/redbridge/tracker/drift").status_code == 403
    assert client.post(url + "/acknowledge", data={"decision": "other", "note": "x"}).status_code == 403
    _, secret = make_token(c["tenant"], people["sw"])
    assert client.get(f"/redbridge/api/v1/drift/{drift_id}",
                      headers={"Authorization": f"Bearer {secret}"}).status_code == 403
    # An IRO who does not review the child gets a 403 for its drift, and an empty list.
    login(people["iro_other"])
    assert client.get(url).status_code == 403
    assert "No open drift" in client.get("/redbridge/tracker/drift").get_data(as_text=True)
    # The child's IRO and a senior manager (told of escalations by role) both see it.
    for who in ("iro", "senior1"):
        login(people[who])
        page = client.get("/redbridge/tracker/drift").get_data(as_text=True)
        assert "First looked-after review" in page and "LATE-1" in page, who
        assert client.get(url).status_code == 200
