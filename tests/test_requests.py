"""Requests a panel decides, not children's cases (issue 14, item 6): Waltham Forest's PTM given a
"Funding requests" part (``items: requests``). A social worker asks £1,250.50 for a nursery place
for the sitting of Wednesday 17 March 2027; the panel administrator books it; at the sitting the
chair records "agreed with conditions" (conditions required) and £1,000 agreed; the minutes, the
decision record and the requester's e-mail show it, and the child's tracker never counts it.

Today is Monday 1 March 2027, 09:00 (``referrals_support``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
import html
import re

from sqlalchemy import select

from text_support import plain
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.minutes.assembly import assemble_text
from permanence.notifications.models import EmailMessage
from permanence.panels.events import meeting_events
from permanence.panels.models import AgendaItem, ItemStatus, Meeting
from referrals_support import council, clock, item_state, london  # noqa: F401  (fixtures)

SLUG = "waltham-forest"
FUNDING = """\
      - id: funding
        title: Funding requests
        items: requests
        minutes_per_item: 10
        request_form:
          - {id: what, label: What is asked for, type: long_text, required: true}
          - {id: amount, label: Amount (£), type: money, required: true}
          - {id: period, label: For how long, type: text}
        who_may_request: [social-worker, team-manager]
        outcomes: [agreed, agreed-with-conditions, not-agreed]
"""
OUTCOMES = """\
      - {id: agreed, label: Agreed}
      - {id: agreed-with-conditions, label: Agreed with conditions, needs_conditions: true}
      - {id: not-agreed, label: Not agreed}
"""
CHANGES = {
    "    referral:\n      who_may_refer": FUNDING + "    referral:\n      who_may_refer",
    "    escalation: corporate-parenting\n": OUTCOMES + "    escalation: corporate-parenting\n",
}
WHAT = "A nursery place three days a week while the carer trains"
CONDITIONS = "Reviewed after three months by the team manager"


def _words(response) -> str:
    """The page's text as a reader sees it: tags dropped, entities read, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", plain(response.get_data(as_text=True)))).split())


def _mails(app, tenant, to):
    with app.app_context(), tenant_context(tenant.id):
        return [(m.subject, m.body) for m in db.session.execute(
            select(EmailMessage).where(EmailMessage.to_address == to).order_by(EmailMessage.id)).scalars()]


def _setup(council, app):
    c = council(SLUG, changes=CHANGES)
    with app.app_context(), tenant_context(c["tenant"].id):
        c["sitting"] = db.session.execute(select(Meeting.id).where(Meeting.date == date(2027, 3, 17))).scalar_one()
        c["past_deadline"] = db.session.execute(select(Meeting.id).where(Meeting.date == date(2027, 3, 3))
                                                ).scalar_one()
    return c


def _ask(client, c, **answers):
    data = {"child_id": str(c["children"][0].id), "answer_what": WHAT, "answer_amount": "1,250.50",
            "answer_period": "Six months", **answers}
    return client.post(f"/{SLUG}/requests/new/details?meeting_id={c['sitting']}&part_id=funding", data=data)


def _request_id(response) -> int:
    return int(re.search(r"/referrals/(\d+)$", response.headers["Location"]).group(1))


def test_a_request_is_asked_booked_recorded_with_conditions_minuted_and_told(app, client, council, login, clock,
                                                                            make_user):
    c = _setup(council, app)
    tenant = c["tenant"]
    login(c["worker"])
    choose = _words(client.get(f"/{SLUG}/requests/new"))
    assert "Permanency Tracking Meeting, Wednesday 17 March 2027 (referrals by Wednesday 10 March 2027): " \
           "Funding requests" in choose
    step = client.get(f"/{SLUG}/requests/new?sitting={c['sitting']}:funding")
    assert step.status_code == 302 and step.headers["Location"].endswith(
        f"/requests/new/details?meeting_id={c['sitting']}&part_id=funding")
    form = _words(client.get(step.headers["Location"]))
    assert "For which child, if any" in form and "Amount (£)" in form and "In pounds, for example 1250.50" in form

    # Every answer is checked, with the message beside its question; nothing is written.
    bad = _ask(client, c, answer_what="", answer_amount="1250.505")
    assert bad.status_code == 400
    assert "Enter what is asked for" in _words(bad)
    assert "Amount (£) must be in pounds and pence, with at most 2 decimal places" in _words(bad)
    assert "Amount (£) must be more than £0" in _words(_ask(client, c, answer_amount="-5"))
    assert "Amount (£) must be an amount in pounds, for example 1250.50" in _words(_ask(client, c, answer_amount="lots"))
    assert "Enter amount (£)" in _words(_ask(client, c, answer_amount=""))
    # The sitting of 3 March closed to requests with its referral deadline (Wednesday 24 February).
    late = client.post(f"/{SLUG}/requests/new/details?meeting_id={c['past_deadline']}&part_id=funding",
                       data={"answer_what": WHAT, "answer_amount": "10"})
    assert late.status_code == 400
    assert ("Requests for the meeting on Wednesday 3 March 2027 closed on Wednesday 24 February 2027; choose a "
            "later meeting") in _words(late)

    made = _ask(client, c)
    assert made.status_code == 302
    request_id = _request_id(made)
    item = item_state(app, tenant, request_id)
    assert (item.status, item.entry_route, item.part_id, item.meeting_id, item.child_id, item.answers) == (
        ItemStatus.SUBMITTED, "request", "funding", c["sitting"], c["children"][0].id,
        {"what": WHAT, "amount": "1250.50", "period": "Six months"})
    page = _words(client.get(f"/{SLUG}/referrals/{request_id}"))
    assert f"Request {request_id} for Ava Fictional" in page and "Amount (£) £1,250.50" in page
    assert "Asked by Sam Worker" in page

    # The panel administrator sees it with the sitting's referrals and books it into its part.
    login(c["admin"])
    told = _mails(app, tenant, "admin@waltham-forest.example.org")
    assert told[-1][0] == "Permanency Tracking Meeting: a request to book"
    assert "Ava" not in told[-1][1]
    assert f"Request {request_id}" in _words(client.get(f"/{SLUG}/meetings/{c['sitting']}/referrals"))
    assert client.post(f"/{SLUG}/referrals/{request_id}/book").status_code == 302
    assert item_state(app, tenant, request_id).status == ItemStatus.BOOKED
    subject, body = _mails(app, tenant, "worker@waltham-forest.example.org")[-1]
    assert subject == "Permanency Tracking Meeting: request booked"
    assert f"Your request {request_id} is booked on the agenda of the meeting on Wednesday 17 March 2027." in body
    assert "Ava" not in body and c["children"][0].case_number not in body
    agenda = client.get(f"/{SLUG}/meetings/{c['sitting']}/agenda")
    assert agenda.status_code == 200 and f"Request {request_id}" in _words(agenda)
    assert "Funding requests" in _words(agenda)
    assert client.get(f"/{SLUG}/meetings/{c['sitting']}").status_code == 200
    login(c["worker"])
    assert f"Request {request_id}" in _words(client.get(f"/{SLUG}/referrals/"))  # the requester's own list

    # At the sitting the chair records the decision.
    clock(london(2027, 3, 17, 15, 0))
    login(c["chair"])
    record_url = f"/{SLUG}/agenda-items/{request_id}/record"
    record = _words(client.get(record_url))
    assert "What is asked" in record and f"What is asked for {WHAT}" in record and "Amount (£) £1,250.50" in record
    select_html = re.search(r'<select[^>]*name="outcome_id".*?</select>', client.get(record_url).get_data(as_text=True),
                            re.S).group(0)
    assert re.findall(r'<option[^>]*value="([^"]*)"', select_html) == [
        "", "agreed", "agreed-with-conditions", "not-agreed"]  # the part's outcomes only
    missing = client.post(record_url, data={"outcome_id": "agreed-with-conditions", "conditions": "",
                                            "amount_agreed": "1000"})
    assert missing.status_code == 400
    assert "Enter the conditions: the outcome &#39;Agreed with conditions&#39; needs them" in \
        missing.get_data(as_text=True)
    assert item_state(app, tenant, request_id).status == ItemStatus.BOOKED
    wrong = client.post(record_url, data={"outcome_id": "agreed", "amount_agreed": "1000.001"})
    assert "The amount agreed must be in pounds and pence, with at most 2 decimal places" in _words(wrong)
    saved = client.post(record_url, data={"outcome_id": "agreed-with-conditions", "conditions": CONDITIONS,
                                          "amount_agreed": "1000", "discussion": "Carer's training confirmed."})
    assert saved.status_code == 302
    item = item_state(app, tenant, request_id)
    assert (item.status, item.outcome_id, item.conditions, item.amount_agreed, item.care_plan_confirmed) == (
        ItemStatus.HEARD, "agreed-with-conditions", CONDITIONS, Decimal("1000.00"), None)
    shown = _words(client.get(record_url))
    assert f"Conditions {CONDITIONS}" in shown and "Amount agreed £1,000.00" in shown

    # The requester is told: the decision, the conditions, the amount, a link; no child's details.
    subject, body = _mails(app, tenant, "worker@waltham-forest.example.org")[-1]
    assert subject == f"Permanency Tracking Meeting: decision on your request {request_id}"
    assert body.startswith(f"Dear Sam Worker,\n\nThe Permanency Tracking Meeting decided your request {request_id} "
                           "(Funding requests) at its meeting on Wednesday 17 March 2027.\n\n"
                           f"Decision: Agreed with conditions\nConditions: {CONDITIONS}\n"
                           "Amount agreed: £1,000.00\n\nThe record: ")
    assert f"/{SLUG}/agenda-items/{request_id}/record" in body
    assert "Ava" not in body and c["children"][0].case_number not in body
    login(c["worker"])
    assert client.get(record_url).status_code == 200  # the link opens for the requester

    # The minutes and the decision record show it.
    login(c["chair"])
    assert client.get(f"/{SLUG}/meetings/{c['sitting']}/record").status_code == 200
    assert client.post(f"/{SLUG}/meetings/{c['sitting']}/minutes/assemble").status_code == 302
    minutes = _words(client.get(f"/{SLUG}/meetings/{c['sitting']}/minutes"))
    with app.app_context(), tenant_context(tenant.id):
        text = assemble_text(db.session.get(Meeting, c["sitting"]))
    case = c["children"][0].case_number
    assert (f"1. Request {request_id} for Ava Fictional ({case})\n   Part: Funding requests\n   Asked by: Sam Worker\n"
            f"   What is asked for: {WHAT}\n   Amount (£): £1,250.50\n   For how long: Six months\n"
            "   Discussion: Carer's training confirmed.\n   Outcome: Agreed with conditions\n"
            f"   Conditions: {CONDITIONS}\n   Amount agreed: £1,000.00\n") in text
    assert f"Conditions: {CONDITIONS}" in minutes and "Amount agreed: £1,000.00" in minutes
    decision = _words(client.get(f"/{SLUG}/agenda-items/{request_id}/decision-record"))
    assert f"Conditions {CONDITIONS}" in decision and "Amount agreed £1,000.00" in decision

    # A request about a child is not a discussion of the child's case: the tracker never counts it.
    with app.app_context(), tenant_context(tenant.id):
        assert meeting_events([c["children"][0].id], date(2027, 3, 17)) == {}


def test_a_role_the_part_does_not_name_is_refused(app, client, council, login, make_user):
    c = _setup(council, app)
    tenant = c["tenant"]
    url = f"/{SLUG}/requests/new/details?meeting_id={c['sitting']}&part_id=funding"
    # An IRO's platform role makes no requests at all.
    login(make_user(tenant, ["iro"], name="Ira Reviewer"))
    assert client.get(f"/{SLUG}/requests/new").status_code == 403
    assert client.post(url, data={"answer_what": WHAT, "answer_amount": "10"}).status_code == 403
    # A panel member may make requests where a ToR says so; this part names social workers and team managers.
    login(make_user(tenant, ["panel_member"], name="Pat Member"))
    assert "There is no meeting you can make a request to" in _words(client.get(f"/{SLUG}/requests/new"))
    assert client.get(url).status_code == 403
    assert client.post(url, data={"answer_what": WHAT, "answer_amount": "10"}).status_code == 403
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.execute(select(AgendaItem).where(AgendaItem.entry_route == "request")).first() is None
    # A team manager is named.
    login(c["manager"])
    assert _ask(client, c).status_code == 302


def test_a_request_not_agreed_needs_no_conditions_and_agrees_no_amount(app, client, council, login, clock):
    c = _setup(council, app)
    login(c["worker"])
    request_id = _request_id(_ask(client, c, child_id=""))
    item = item_state(app, c["tenant"], request_id)
    assert item.child_id is None
    login(c["admin"])
    client.post(f"/{SLUG}/referrals/{request_id}/book")
    clock(london(2027, 3, 17, 15, 0))
    login(c["chair"])
    page = _words(client.get(f"/{SLUG}/agenda-items/{request_id}/record"))
    assert f"Request {request_id}" in page and "Required for Agreed with conditions." in page
    saved = client.post(f"/{SLUG}/agenda-items/{request_id}/record",
                        data={"outcome_id": "not-agreed", "conditions": "ignored", "amount_agreed": ""})
    assert saved.status_code == 302
    item = item_state(app, c["tenant"], request_id)
    assert (item.outcome_id, item.conditions, item.amount_agreed) == ("not-agreed", "", None)
    assert "Amount agreed None" in _words(client.get(f"/{SLUG}/agenda-items/{request_id}/record"))
    subject, body = _mails(app, c["tenant"], "worker@waltham-forest.example.org")[-1]
    assert "Decision: Not agreed\n\nThe record: " in body and "Conditions" not in body
    # An outcome of the body the part does not name is refused.
    outside = client.post(f"/{SLUG}/agenda-items/{request_id}/record", data={"outcome_id": "actions-agreed"})
    assert outside.status_code == 400


def test_the_terms_of_reference_page_reads_the_part_in_english(app, client, council, login):
    c = _setup(council, app)
    login(c["worker"])
    page = _words(client.get(f"/{SLUG}/terms-of-reference"))
    assert ("Funding requests: requests, not children's cases; asked by a social worker or team manager; the request "
            "asks: what is asked for, amount (£), for how long; decisions: agreed, agreed with conditions (the "
            "conditions written down), not agreed") in page
    assert "What is asked for (long text, required)" in page and "Amount (£) (an amount of money (£), required)" in page
    assert "Time for each request 10 minutes" in page
    assert "The conditions are written down when it is recorded." in page


def test_the_api_records_a_request_with_its_conditions_and_amount(app, client, council, login, clock, make_token):
    c = _setup(council, app)
    login(c["worker"])
    request_id = _request_id(_ask(client, c))
    login(c["admin"])
    client.post(f"/{SLUG}/referrals/{request_id}/book")
    clock(london(2027, 3, 17, 15, 0))
    _, secret = make_token(c["tenant"], c["chair"])
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/{SLUG}/api/v1/agenda-items/{request_id}/record"
    missing = client.put(url, json={"outcome_id": "agreed-with-conditions", "amount_agreed": "1000"}, headers=headers)
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["json"] == {
        "conditions": ["Enter the conditions: the outcome 'Agreed with conditions' needs them"]}
    wrong = client.put(url, json={"outcome_id": "agreed", "amount_agreed": 0}, headers=headers)
    assert wrong.get_json()["errors"]["json"] == {"amount_agreed": ["The amount agreed must be more than £0"]}
    done = client.put(url, json={"outcome_id": "agreed-with-conditions", "conditions": CONDITIONS,
                                 "amount_agreed": 1000.5}, headers=headers)
    assert done.status_code == 200
    body = done.get_json()
    assert (body["status"], body["outcome_id"], body["conditions"], body["amount_agreed"]) == (
        "heard", "agreed-with-conditions", CONDITIONS, "1000.50")
    # The record as GET shows it is accepted, and changes nothing.
    again = client.put(url, json={k: v for k, v in client.get(url, headers=headers).get_json().items()
                                  if k in ("discussion", "outcome_id", "conditions", "amount_agreed", "decision",
                                           "escalate", "escalation_reason")}, headers=headers)
    assert again.status_code == 200 and again.get_json()["recorded_at"] == body["recorded_at"]
