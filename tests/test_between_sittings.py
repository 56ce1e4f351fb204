"""Decisions outside a sitting and their review (issue 14, item 7): a body's
``decisions_between_sittings`` (a named role decides for one child when a decision cannot wait; it is
reported to the next sitting) and ``decision_review`` (who may ask for a decision to be reviewed, by
when, who decides). North Shire (synthetic) sits on the second Thursday: 10 December 2026, 14 January
2027. Christmas Day (Friday 25 December) and the substitute Boxing Day (Monday 28 December) are bank
holidays, so ten working days from Monday 14 December end on Wednesday 30 December."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from text_support import plain
import pytest
from sqlalchemy import select

from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels.models import (AgendaItem, DecisionReview, ItemStatus, Meeting, MeetingStatus, ReviewResult,
                                      UrgentDecision)
from permanence.minutes.assembly import assemble_text
from permanence.panels.services import generate_meetings
from permanence.tor import TorConfigError, load_tor_from_text, services
from permanence.tor.services import active_version
from meetings_support import emails

REPO = Path(__file__).resolve().parents[1]
NORTH_SHIRE = (REPO / "tests" / "data" / "tor" / "north-shire" / "tor.yaml").read_text()
SLUG = "north-shire"
RULES = """\
    decisions_between_sittings:
      by: [head-of-service]
      outcomes: [agreed, return]
      source: Urgent decisions
      assumption: The ToR says "a senior manager"; the Head of Service is taken to be meant.
    decision_review:
      who_may_ask: [social-worker, independent-reviewing-officer]
      within: {working_days: 10}
      decided_by: head-of-service
      source: Review of decisions
"""
# "Return to panel" puts the child before the panel's next sitting, so a decision reaching it shows it took effect.
TOR = NORTH_SHIRE.replace("{id: return, label: Return to panel}",
                          "{id: return, label: Return to panel, refers_to_body: pop}") + RULES


def _words(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


@pytest.fixture
def council(app, make_tenant, make_user, make_child, travel):
    """North Shire with both rules in force, its sittings of 10 December and 14 January, a Head of
    Service (senior manager), a team manager, the child's social worker and IRO, another social worker,
    and one child heard at the December sitting."""
    return _council(app, make_tenant, make_user, make_child, travel, TOR)


def _council(app, make_tenant, make_user, make_child, travel, text):
    travel(date(2026, 12, 14))
    tenant = make_tenant(SLUG, "North Shire")
    with app.app_context():
        result = services.store_version(tenant.id, text, filename="tor.yaml", loaded_by="cli")
        services.activate_version(result.version)
        commit()
    people = {
        "head": make_user(tenant, ["senior_manager"], email="head@ns.example.org", name="Hana Head"),
        "tm": make_user(tenant, ["team_manager"], email="tm@ns.example.org", name="Tom Manager"),
        "worker": make_user(tenant, ["social_worker"], email="worker@ns.example.org", name="Wes Worker"),
        "other": make_user(tenant, ["social_worker"], email="other@ns.example.org", name="Olly Other"),
        "iro": make_user(tenant, ["iro"], email="iro@ns.example.org", name="Ira Reviewer"),
        "admin": make_user(tenant, ["panel_administrator"], email="admin@ns.example.org", name="Alex Admin"),
    }
    child = make_child(tenant, first_name="Fictional", last_name="Rowan", social_worker=people["worker"],
                       iro=people["iro"])
    with app.app_context(), tenant_context(tenant.id):
        version = active_version(tenant.id).id
        held = Meeting(body_id="pop", tor_version_id=version, date=date(2026, 12, 10), status=MeetingStatus.SCHEDULED)
        # Activating the ToR generates the sittings from today (in the request without Redis; on RQ in the
        # worker, so here as the nightly job would); the January one is the next.
        generate_meetings(tenant.id, date(2026, 12, 14))
        commit()
        following = db.session.execute(select(Meeting).where(Meeting.date == date(2027, 1, 14))).scalar_one()
        assert db.session.execute(select(Meeting.date).where(Meeting.date < date(2027, 1, 14))).first() is None
        item = AgendaItem(meeting=held, part_id="long-term-fostering", child_id=child.id, status=ItemStatus.HEARD,
                          outcome_id="agreed", decision="Long-term fostering with the current carers is agreed.",
                          entry_route="referral")
        db.session.add_all([held, following, item])
        commit()
        ids = {"held": held.id, "next": following.id, "item": item.id}
    return {"tenant": tenant, "people": people, "child": child, **ids}


def _decide(client, council, **overrides):
    data = {"outcome_id": "return", "decision": "Placement move agreed; the child returns to panel.",
            "why_urgent": "The carers gave notice on Friday; the move cannot wait for January.",
            "decided_on": "14/12/2026"}
    data.update(overrides)
    return client.post(f"/{SLUG}/children/{council['child'].id}/decisions-between-sittings/pop", data=data)


def _urgent(app, council) -> list[UrgentDecision]:
    with app.app_context(), tenant_context(council["tenant"].id):
        rows = db.session.execute(select(UrgentDecision)).scalars().all()
        db.session.expunge_all()
        return rows


def _proposed(app, council) -> list[tuple]:
    with app.app_context(), tenant_context(council["tenant"].id):
        return [(i.meeting_id, i.entry_route, i.reason) for i in db.session.execute(
            select(AgendaItem).where(AgendaItem.status == ItemStatus.PROPOSED).order_by(AgendaItem.id)).scalars()]


def _reviews(app, council) -> list[DecisionReview]:
    with app.app_context(), tenant_context(council["tenant"].id):
        rows = db.session.execute(select(DecisionReview).order_by(DecisionReview.id)).scalars().all()
        db.session.expunge_all()
        return rows


# --- Decisions between sittings -------------------------------------------------------------------

def test_the_head_of_service_decides_between_sittings_and_it_is_reported_to_the_next_sitting(
        app, client, login, council):
    login(council["people"]["head"])
    child_page = _words(client.get(f"/{SLUG}/children/{council['child'].id}"))
    assert "Decisions made between sittings" in child_page
    assert "Record a decision between sittings of the POP" in child_page
    response = _decide(client, council)
    assert response.status_code == 302
    [decision] = _urgent(app, council)
    assert (decision.outcome_id, decision.decided_on, decision.role_id) == ("return", date(2026, 12, 14),
                                                                           "head-of-service")
    child_page = _words(client.get(f"/{SLUG}/children/{council['child'].id}"))
    assert "14 December 2026" in child_page and "Placement move agreed; the child returns to panel." in child_page
    # The outcome took effect as at a sitting: the child is proposed for the January sitting.
    assert _proposed(app, council) == [
        (council["next"], "referred_by_pop", "Referred by the POP on 14 December 2026: Return to panel")]

    # The January sitting's agenda notes it; December's (before it) does not.
    login(council["people"]["admin"])
    january = _words(client.get(f"/{SLUG}/meetings/{council['next']}/agenda"))
    assert "Decisions made since the last sitting" in january
    section = january[january.index("Decisions made since the last sitting"):]
    assert "Fictional Rowan" in section and "Hana Head (Head of service)" in section
    assert "Return to panel: Placement move agreed" in section and "The carers gave notice on Friday" in section
    assert "Decisions made since the last sitting" not in _words(
        client.get(f"/{SLUG}/meetings/{council['held']}/agenda"))
    # And in the minutes assembled for the January sitting.
    with app.app_context(), tenant_context(council["tenant"].id):
        minutes = assemble_text(db.session.get(Meeting, council["next"]))
    assert "Decisions made since the last sitting (noted)" in minutes
    assert "- 14 December 2026, F.R. (" in minutes and "Return to panel. Placement move agreed" in minutes


def test_a_decision_the_tor_does_not_report_stays_off_the_next_agenda(app, client, login, make_tenant, make_user,
                                                                      make_child, travel):
    text = TOR.replace("      source: Urgent decisions\n",
                       "      source: Urgent decisions\n      reported_to_next_sitting: false\n")
    council = _council(app, make_tenant, make_user, make_child, travel, text)
    login(council["people"]["head"])
    assert _decide(client, council).status_code == 302
    page = _words(client.get(f"/{SLUG}/decisions-between-sittings/{_urgent(app, council)[0].id}"))
    assert "Not reported to a sitting" in page
    login(council["people"]["admin"])
    assert "Decisions made since the last sitting" not in _words(
        client.get(f"/{SLUG}/meetings/{council['next']}/agenda"))
    assert "the decision is recorded on the child's record and not reported to a sitting." in _words(
        client.get(f"/{SLUG}/terms-of-reference")).replace("&#39;", "'")


def test_nobody_else_may_decide_between_sittings(app, client, login, council):
    for who in ("worker", "tm"):  # a social worker holds no such power; a team manager is not the Head of Service
        login(council["people"][who])
        assert _decide(client, council).status_code == 403
        assert client.get(f"/{SLUG}/children/{council['child'].id}/decisions-between-sittings/pop").status_code == 403
    assert _urgent(app, council) == []
    login(council["people"]["tm"])
    assert "Record a decision between sittings" not in _words(client.get(f"/{SLUG}/children/{council['child'].id}"))


def test_a_decision_between_sittings_with_bad_input_is_a_form_error(app, client, login, council):
    login(council["people"]["head"])
    cases = [({"decided_on": "15/12/2026"}, "The date of the decision must be today or in the past"),
             ({"decided_on": "31/02/2026"}, "must be a real date"),
             ({"decision": ""}, "Enter the decision"),
             ({"why_urgent": "  "}, "Enter why the decision could not wait for the next sitting"),
             ({"outcome_id": "no-such-outcome"}, "Not a valid choice")]
    for overrides, message in cases:
        response = _decide(client, council, **overrides)
        assert response.status_code == 400, overrides
        assert message in response.get_data(as_text=True), overrides
    assert _urgent(app, council) == []
    assert client.get(f"/{SLUG}/children/{council['child'].id}/decisions-between-sittings/nobody").status_code == 404


# --- Review of a decision -------------------------------------------------------------------------

def test_a_review_is_asked_within_ten_working_days_across_christmas_and_decided_by_the_head_of_service(
        app, client, login, travel, council):
    login(council["people"]["head"])
    _decide(client, council)
    [decision] = _urgent(app, council)
    url = f"/{SLUG}/decisions-between-sittings/{decision.id}"

    travel(date(2026, 12, 30))  # the tenth working day after 14 December (25 and 28 December are bank holidays)
    login(council["people"]["worker"])
    page = _words(client.get(url))
    assert "A review may be asked for until Wednesday 30 December 2026." in page
    assert "Ask for a review of this decision" in page
    # Another social worker is not the child's: no button, and the request is refused.
    login(council["people"]["other"])
    assert "Ask for a review of this decision" not in _words(client.get(url))
    assert client.post(f"{url}/review-request", data={"reasons": "I disagree"}).status_code == 403
    # The child's social worker asks; a request with no reasons is a form error.
    login(council["people"]["worker"])
    bad = client.post(f"{url}/review-request", data={"reasons": ""})
    assert bad.status_code == 400 and "Enter why the decision should be reviewed" in bad.get_data(as_text=True)
    asked = client.post(f"{url}/review-request", data={"reasons": "The child's wishes were not heard."})
    assert asked.status_code == 302
    [review] = _reviews(app, council)
    assert (review.asked_on, review.deadline, review.asked_as) == (date(2026, 12, 30), date(2026, 12, 30),
                                                                   "social-worker")
    sent = emails(app, council["tenant"])
    told = [(to, subject) for to, subject, _ in sent if subject.startswith("Review asked")]
    reference = f"F.R. ({council['child'].case_number})"
    assert told == [("head@ns.example.org", f"Review asked: a decision of the Permanence Oversight Panel ({reference})")]
    assert f"/{SLUG}/review-requests/{review.id}" in next(b for _, s, b in sent if s.startswith("Review asked"))

    # The social worker cannot decide it; the Head of Service changes the decision.
    review_url = f"/{SLUG}/review-requests/{review.id}"
    assert client.post(review_url, data={"result": "upheld", "note": "Fine"}).status_code == 403
    login(council["people"]["head"])
    page = _words(client.get(review_url))
    assert "The child&#39;s wishes were not heard." in page and "Record the result of the review" in page
    missing = client.post(review_url, data={"result": "changed", "note": "Agreed on review."})
    assert missing.status_code == 400 and "Select the new outcome" in missing.get_data(as_text=True)
    done = client.post(review_url, data={"result": "changed", "new_outcome_id": "agreed",
                                         "new_decision": "The child stays with the carers, with more support.",
                                         "note": "The carers have withdrawn their notice."})
    assert done.status_code == 302
    [review] = _reviews(app, council)
    assert (review.result, review.new_outcome_id, review.decided_on) == (ReviewResult.CHANGED, "agreed",
                                                                         date(2026, 12, 30))
    to_worker = [(s, b) for to, s, b in emails(app, council["tenant"]) if to == "worker@ns.example.org"]
    assert [s for s, _ in to_worker] == [f"Review decided: changed ({reference})"]
    assert "New decision: The child stays with the carers, with more support." in to_worker[0][1]
    page = _words(client.get(url))
    assert "Changed on 30 December 2026" in page and "New decision: The child stays with the carers" in page


def test_a_review_asked_after_the_deadline_is_refused(app, client, login, travel, council):
    login(council["people"]["head"])
    _decide(client, council)
    [decision] = _urgent(app, council)
    url = f"/{SLUG}/decisions-between-sittings/{decision.id}"
    travel(date(2026, 12, 31))
    login(council["people"]["worker"])
    assert "Ask for a review of this decision" not in _words(client.get(url))
    refused = client.post(f"{url}/review-request", data={"reasons": "Too late?"}, follow_redirects=True)
    assert ("A review of this decision could be asked for until 30 December 2026; that date has passed"
            in refused.get_data(as_text=True))
    assert _reviews(app, council) == []


def test_the_decision_record_of_a_heard_item_offers_a_review_to_the_childs_iro(app, client, login, travel, council):
    # The December sitting decided on 10 December: ten working days end on Thursday 24 December.
    login(council["people"]["iro"])
    record = _words(client.get(f"/{SLUG}/agenda-items/{council['item']}/decision-record"))
    assert "A review may be asked for until Thursday 24 December 2026." in record
    assert "Ask for a review of this decision" in record
    response = client.post(f"/{SLUG}/agenda-items/{council['item']}/review-request",
                           data={"reasons": "The plan did not consider the child's brother."})
    assert response.status_code == 302
    login(council["people"]["head"])
    [review] = _reviews(app, council)
    assert review.agenda_item_id == council["item"] and review.asked_as == "independent-reviewing-officer"
    client.post(f"/{SLUG}/review-requests/{review.id}", data={"result": "referred", "note": "For the panel to hear."})
    record = _words(client.get(f"/{SLUG}/agenda-items/{council['item']}/decision-record"))
    assert "The plan did not consider the child&#39;s brother." in record
    assert "Referred to the next sitting on 14 December 2026" in record
    assert _proposed(app, council) == [
        (council["next"], "referred_by_pop",
         "Referred by the POP on 10 December 2026: Review of the decision of 10 December 2026 referred: "
         "For the panel to hear.")]
    travel(date(2026, 12, 29))
    login(council["people"]["iro"])
    assert "Ask for a review of this decision" not in _words(
        client.get(f"/{SLUG}/agenda-items/{council['item']}/decision-record"))


# --- The terms of reference -----------------------------------------------------------------------

def _error(text: str) -> tuple[int, str]:
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(text)
    [error] = caught.value.errors
    return error.line, error.message


def _line(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_rules_are_validated_with_the_line_at_fault():
    text = TOR.replace("outcomes: [agreed, return]", "outcomes: [agreed, adjourn]")
    assert _error(text) == (_line(text, "outcomes: [agreed, adjourn]"),
                            "unknown outcome 'adjourn'; outcomes of pop: agreed, return")
    text = TOR.replace("by: [head-of-service]", "by: [head-of-servise]")
    line, message = _error(text)
    assert line == _line(text, "by: [head-of-servise]") and message.startswith("unknown role 'head-of-servise'")
    text = TOR.replace("decided_by: head-of-service", "decided_by: social-worker")
    assert _error(text) == (_line(text, "decided_by: social-worker"),
                            "role 'social-worker' (access role social_worker) cannot decide a review in the platform; "
                            "name a role whose access role is one of: chair, vice_chair, team_manager, senior_manager")
    text = TOR.replace("within: {working_days: 10}", "within: {working_days: 0}")
    assert _error(text) == (_line(text, "within: {working_days: 0}"),
                            "a review must be open for at least one day; give a number of 1 or more")
    text = TOR.replace("within: {working_days: 10}", "within: {working_days: -3}")
    line, message = _error(text)
    assert line == _line(text, "within: {working_days: -3}") and "greater than or equal to 0" in message
    text = TOR.replace("who_may_ask: [social-worker, independent-reviewing-officer]", "who_may_ask: []")
    assert _error(text) == (_line(text, "who_may_ask: []"), "name at least one role")


def test_the_terms_of_reference_page_says_both_rules(app, client, login, council):
    login(council["people"]["worker"])
    page = _words(client.get(f"/{SLUG}/terms-of-reference"))
    assert ("Between sittings, the head of service may decide for one child when a decision cannot wait, reaching "
            "one of: “Plan agreed” or “Return to panel”; the decision is reported to the next sitting.") in page
    assert ("A social worker or independent reviewing officer may ask for a decision to be reviewed within ten "
            "working days; the head of service decides (upholding it, changing it or referring it to the next "
            "sitting).") in page
    section = plain(page[page.index("Decisions between sittings and their review"):])
    assert ("<strong>To be confirmed by the council:</strong> The ToR says &#34;a senior manager&#34;; the Head of "
            "Service is taken to be meant.") in section[:1200]
