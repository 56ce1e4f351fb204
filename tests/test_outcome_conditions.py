"""Outcomes a meeting may reach only when a condition holds, outcomes subject to a named
adviser's agreement, and dates a meeting agrees for a child that the tracker then measures
(issue 14, items 5 and 8). Exact dates; what a user sees on the pages and in the tracker.

Knowsley's panel (seed 004) may recommend revoking a care order only when a legal representative
is present; seed 001's Permanence Panel agrees timescales for matching reports and continued
monitoring when a full care order is in place.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from sqlalchemy import select

from permanence.cases.models import CarePeriod, Child, ChildFlag, LegalStatus, Placement
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.meetings.models import AgreedDate
from permanence.panels.models import Attendance, AttendanceStatus, ItemStatus
from permanence.tor.services import activate_version, current_tor, store_version
from permanence.tracker.models import Drift, Milestone
from permanence.tracker.services import recompute_council
from meetings_support import KNOWSLEY, book, item_of, load_council, seat, sitting

REPO = Path(__file__).resolve().parents[1]
REVOKE = "Recommend progressing revocation of the care order"
FORM = {"discussion": "Fictional discussion.", "care_plan_confirmed": "yes", "legal_status_confirmed": "yes",
        "decision": "Fictional decision.", "next_review_on": "", "escalate": "no", "escalation_reason": ""}


def _options(page_text: str) -> list[str]:
    select_html = re.search(r'<select[^>]*name="outcome_id".*?</select>', page_text, re.S).group(0)
    return re.findall(r'<option[^>]*value="([^"]+)"', select_html)


def _attend(app, tenant, meeting_id, user, role, title, status):
    with app.app_context(), tenant_context(tenant.id):
        db.session.add(Attendance(meeting_id=meeting_id, user_id=user.id, name=user.name, role=role, title=title,
                                  status=status))
        commit()


def _set_status(app, tenant, meeting_id, role, status):
    with app.app_context(), tenant_context(tenant.id):
        row = db.session.execute(select(Attendance).where(Attendance.meeting_id == meeting_id,
                                                          Attendance.role == role)).scalar_one()
        row.status = status
        commit()


# --- Item 5: an outcome offered only when a legal adviser is present (Knowsley) ----------------------

def test_revocation_is_offered_only_when_the_legal_adviser_is_recorded_present(app, client, login, make_user,
                                                                               make_child, travel):
    travel(date(2027, 3, 17))  # Knowsley's panel: the third Wednesday
    tenant = load_council(app, KNOWSLEY["slug"])
    admin = make_user(tenant, ["panel_administrator"], name="Alex Admin")
    chair = make_user(tenant, ["chair"], name="Casey Chair")
    lawyer = make_user(tenant, ["panel_member"], name="Lee Lawyer")
    seat(app, tenant, KNOWSLEY["body"], chair, "senior-manager", "Senior Manager Chair")
    seat(app, tenant, KNOWSLEY["body"], lawyer, "legal-adviser", "Legal advisor")
    meeting_id = sitting(app, tenant, KNOWSLEY["body"])
    item_id = book(app, tenant, meeting_id, "placed-with-parents", make_child(tenant))
    login(admin)
    url = f"/{KNOWSLEY['slug']}/agenda-items/{item_id}/record"

    # Before the attendance is taken, nobody is recorded present.
    page = client.get(url)
    assert page.status_code == 200
    assert "recommend-revocation" not in _options(page.text)
    assert "refer-to-lpm" in _options(page.text)
    assert (f"{REVOKE}: Only when a legal adviser is recorded present: the attendance has not been taken yet"
            in page.text)

    # The legal adviser sent apologies: still not offered, and the page says why.
    _attend(app, tenant, meeting_id, chair, "senior-manager", "Senior Manager Chair", AttendanceStatus.PRESENT)
    _attend(app, tenant, meeting_id, lawyer, "legal-adviser", "Legal advisor", AttendanceStatus.APOLOGIES)
    page = client.get(url)
    assert "recommend-revocation" not in _options(page.text)
    assert f"{REVOKE}: Only when a legal adviser is recorded present: none recorded present." in page.text

    # A forged post of the outcome is refused with the reason; the item stays booked.
    response = client.post(url, data={**FORM, "outcome_id": "recommend-revocation"})
    assert response.status_code == 400
    assert (f"“{REVOKE}” cannot be recorded. Only when a legal adviser is recorded present: none recorded "
            "present." in response.text)
    item = item_of(app, tenant, item_id)
    assert item.status == ItemStatus.BOOKED and item.outcome_id is None

    # Present: offered, and recorded.
    _set_status(app, tenant, meeting_id, "legal-adviser", AttendanceStatus.PRESENT)
    page = client.get(url)
    assert "recommend-revocation" in _options(page.text)
    assert "Only when a legal adviser" not in page.text
    response = client.post(url, data={**FORM, "outcome_id": "recommend-revocation"}, follow_redirects=True)
    assert "The item is recorded as heard." in response.text
    assert item_of(app, tenant, item_id).outcome_id == "recommend-revocation"


def test_a_representative_sent_by_the_legal_adviser_counts_as_present(app, client, login, make_user, make_child,
                                                                       travel):
    travel(date(2027, 3, 17))
    tenant = load_council(app, KNOWSLEY["slug"])
    admin = make_user(tenant, ["panel_administrator"])
    lawyer = make_user(tenant, ["panel_member"])
    meeting_id = sitting(app, tenant, KNOWSLEY["body"])
    item_id = book(app, tenant, meeting_id, "placed-with-parents", make_child(tenant))
    _attend(app, tenant, meeting_id, lawyer, "legal-adviser", "Legal advisor", AttendanceStatus.REPRESENTED)
    login(admin)
    assert "recommend-revocation" in _options(client.get(f"/knowsley/agenda-items/{item_id}/record").text)


def test_the_tor_page_says_when_each_outcome_is_offered_and_what_dates_it_sets(app, client, login, make_user):
    knowsley = load_council(app, "knowsley")
    login(make_user(knowsley, ["panel_member"]))
    page = client.get("/knowsley/terms-of-reference").text
    assert ("Offered only when a legal adviser is recorded present at the sitting (for the item&#39;s part of the "
            "agenda).") in page
    pptm = load_council(app, "permanence-panel-pptm")
    login(make_user(pptm, ["panel_member"]))
    page = client.get("/permanence-panel-pptm/terms-of-reference").text
    assert ("The meeting agrees a date for Matching report to Permanence Panel (met by the most recent panel "
            "discussion of the child after the meeting) and Continued monitoring reviewed at Permanence Panel (met "
            "by the most recent panel discussion of the child after the meeting)") in page
    assert "Offered only for children where legal status is C2 (care order)." in page
    assert "Offered only for children where the child is in care proceedings." in page


# --- Item 8: timescales agreed by the Permanence Panel (seed 001) ------------------------------------

PPTM = "permanence-panel-pptm"
PANEL = "permanence-panel"


def _child_on_a_care_order(app, tenant, code="C2"):
    with app.app_context(), tenant_context(tenant.id):
        child = Child(case_number=f"AGREED-{code}", first_name="Fictional", last_name="Rowan",
                      date_of_birth=date(2019, 5, 1))
        child.care_periods.append(CarePeriod(start=date(2026, 1, 5), category_of_need="N1"))
        child.legal_statuses.append(LegalStatus(code=code, start=date(2026, 6, 1)))
        child.placements.append(Placement(place="U4", provider="PR1", start=date(2026, 1, 5)))
        db.session.add(child)
        commit()
        db.session.refresh(child)
        db.session.expunge(child)
        return child


def _panel_part(app, tenant) -> str:
    with app.app_context():
        return current_tor(tenant.id).body(PANEL).agenda_parts[0].id


def _milestone(app, tenant, child_id, rule_id):
    with app.app_context(), tenant_context(tenant.id):
        row = db.session.execute(select(Milestone).where(Milestone.child_id == child_id,
                                                         Milestone.rule_id == rule_id)).scalar_one_or_none()
        return (row.due, row.status, row.rule_source) if row else None


def _drift(app, tenant, child_id, rule_id):
    with app.app_context(), tenant_context(tenant.id):
        return [(d.due, d.opened_on, d.closed_on, d.ladder_id) for d in db.session.execute(
            select(Drift).where(Drift.child_id == child_id, Drift.rule_id == rule_id)).scalars()]


def _recompute(app, tenant, today):
    with app.app_context(), tenant_context(tenant.id):
        recompute_council(today)
        commit()


MATCHING = "permanence-panel-agreed-matching-report"
MONITORING = "permanence-panel-agreed-monitoring-review"
DATES = {"date_matching-report": "13/04/2027", "date_monitoring-review": "11/05/2027"}


def test_a_date_the_panel_agrees_is_a_milestone_due_that_day_overdue_the_next_and_set_again_later(
        app, client, login, make_user, travel):
    travel(date(2027, 3, 2))  # a Tuesday
    tenant = load_council(app, PPTM)
    admin = make_user(tenant, ["panel_administrator"], name="Alex Admin")
    child = _child_on_a_care_order(app, tenant)
    meeting_id = sitting(app, tenant, PANEL)
    part = _panel_part(app, tenant)
    item_id = book(app, tenant, meeting_id, part, child)
    login(admin)
    url = f"/{PPTM}/agenda-items/{item_id}/record"
    page = client.get(url)
    assert "timescales-agreed" in _options(page.text)
    assert "Matching report to Permanence Panel" in page.text  # the date fields, with their labels

    # Each date is required, real, after the meeting and not in the past.
    form = {**FORM, "outcome_id": "timescales-agreed"}
    response = client.post(url, data={**form, "date_monitoring-review": "11/05/2027"})
    assert response.status_code == 400 and "Enter the date agreed for matching report to Permanence Panel" in response.text
    response = client.post(url, data={**form, **DATES, "date_matching-report": "31/04/2027"})
    assert response.status_code == 400 and "Matching report to Permanence Panel must be a real date" in response.text
    response = client.post(url, data={**form, **DATES, "date_matching-report": "02/03/2027"})
    assert response.status_code == 400
    assert "must be after the meeting (2 March 2027)" in response.text
    assert item_of(app, tenant, item_id).status == ItemStatus.BOOKED

    response = client.post(url, data={**form, **DATES}, follow_redirects=True)
    assert "The item is recorded as heard." in response.text
    assert "Matching report to Permanence Panel: by 13 April 2027" in response.text
    record = client.get(f"/{PPTM}/agenda-items/{item_id}/decision-record").text
    assert ("Matching report to Permanence Panel: by 13 April 2027; Continued monitoring reviewed at Permanence "
            "Panel: by 11 May 2027") in record
    assert _milestone(app, tenant, child.id, MATCHING) == (
        date(2027, 4, 13), "upcoming", "Agreed by the Permanence Panel on 2 March 2027")
    assert _milestone(app, tenant, child.id, MONITORING)[:2] == (date(2027, 5, 11), "upcoming")

    # The child's page shows it like any other milestone.
    login(make_user(tenant, ["senior_manager"]))
    child_page = client.get(f"/{PPTM}/children/{child.id}").text
    assert "Matching report to Permanence Panel" in child_page
    assert "by 13 April 2027, the date agreed by the Permanence Panel on 2 March 2027" in child_page

    # Due on 13 April; overdue on the 14th, raising drift on the panel's escalation ladder.
    _recompute(app, tenant, date(2027, 4, 13))
    assert _milestone(app, tenant, child.id, MATCHING)[:2] == (date(2027, 4, 13), "due_soon")
    assert _drift(app, tenant, child.id, MATCHING) == []
    _recompute(app, tenant, date(2027, 4, 14))
    assert _milestone(app, tenant, child.id, MATCHING)[:2] == (date(2027, 4, 13), "overdue")
    assert _drift(app, tenant, child.id, MATCHING) == [(date(2027, 4, 13), date(2027, 4, 14), None,
                                                       "senior-management")]

    # The panel of 20 April hears the child again and sets the date again: the latest date counts
    # (the discussion the same day does not meet the new date), the drift closes, history is kept.
    travel(date(2027, 4, 20))
    later_id = sitting(app, tenant, PANEL)
    later_item = book(app, tenant, later_id, part, child)
    login(admin)
    response = client.post(f"/{PPTM}/agenda-items/{later_item}/record",
                           data={**form, "date_matching-report": "18/05/2027", "date_monitoring-review": "15/06/2027"},
                           follow_redirects=True)
    assert "The item is recorded as heard." in response.text
    assert _milestone(app, tenant, child.id, MATCHING) == (
        date(2027, 5, 18), "upcoming", "Agreed by the Permanence Panel on 20 April 2027")
    [(due, opened, closed, _)] = _drift(app, tenant, child.id, MATCHING)
    assert (due, opened, closed) == (date(2027, 4, 13), date(2027, 4, 14), date(2027, 4, 20))
    with app.app_context(), tenant_context(tenant.id):
        kept = db.session.execute(select(AgreedDate.due).where(AgreedDate.child_id == child.id,
                                                               AgreedDate.date_id == "matching-report")
                                  .order_by(AgreedDate.id)).scalars().all()
    assert kept == [date(2027, 4, 13), date(2027, 5, 18)]
    login(make_user(tenant, ["senior_manager"]))
    child_page = client.get(f"/{PPTM}/children/{child.id}").text
    assert "Matching report to Permanence Panel: by 13 April 2027" in child_page  # the history, on the timeline
    assert "Matching report to Permanence Panel: by 18 May 2027" in child_page
    login(admin)

    # A panel discussion after the meeting meets the date.
    travel(date(2027, 5, 4))
    met_id = sitting(app, tenant, PANEL)
    met_item = book(app, tenant, met_id, part, child)
    client.post(f"/{PPTM}/agenda-items/{met_item}/record", data={**FORM, "outcome_id": "plan-ratified"})
    _recompute(app, tenant, date(2027, 5, 4))  # as the recompute queued by the hearing does
    assert _milestone(app, tenant, child.id, MATCHING)[:2] == (date(2027, 5, 18), "achieved")


def test_timescales_are_agreed_only_for_a_child_on_a_full_care_order(app, client, login, make_user, travel):
    travel(date(2027, 3, 2))
    tenant = load_council(app, PPTM)
    child = _child_on_a_care_order(app, tenant, code="C1")
    meeting_id = sitting(app, tenant, PANEL)
    part = _panel_part(app, tenant)
    item_id = book(app, tenant, meeting_id, part, child)
    login(make_user(tenant, ["panel_administrator"]))
    url = f"/{PPTM}/agenda-items/{item_id}/record"
    page = client.get(url)
    assert "timescales-agreed" not in _options(page.text)
    assert ("Timescales agreed for matching reports and continued monitoring: Only for children where "
            in page.text and "this child does not meet it" in page.text)
    response = client.post(url, data={**FORM, "outcome_id": "timescales-agreed", **DATES})
    assert response.status_code == 400 and "cannot be recorded. Only for children where" in response.text


# --- Item 5: subject to a named adviser's agreement -----------------------------------------------------

SUBJECT_TO = """
      - id: permanence-agreed-subject-to-adviser
        label: Permanence agreed, subject to the agency adviser's agreement
        requires_sign_off_by: agency-adviser
        closes_tracking: true
        sets_dates:
          - {id: matching-report, label: Matching report to Permanence Panel, met_by: last_panel}
"""


def test_an_outcome_subject_to_the_agency_advisers_agreement_waits_for_it(app, client, login, make_user,
                                                                         make_tenant, travel):
    travel(date(2027, 3, 2))
    text = (REPO / "tenants" / PPTM / "tor.yaml").read_text()
    anchor = ("      - {id: permanence-agreed, label: Permanence agreed; monitoring ends, closes_tracking: true, "
              "source: 2.3 Protocol and Function of Permanence Panel}\n")
    assert anchor in text
    text = text.replace(anchor, anchor + SUBJECT_TO.lstrip("\n"), 1)
    # The council's agency adviser agrees recommendations: their access role is one that may.
    text = text.replace("\nbodies:\n", "\nroles:\n  - {id: agency-adviser, label: Agency adviser, "
                                         "access_role: senior_manager}\n\nbodies:\n", 1)
    tenant = make_tenant("subject-to", "Subject To")
    with app.app_context():
        activate_version(store_version(tenant.id, text, filename="tor.yaml", loaded_by="cli").version)
        commit()
    admin = make_user(tenant, ["panel_administrator"], name="Alex Admin")
    adviser = make_user(tenant, ["senior_manager"], name="Ada Adviser")
    child = _child_on_a_care_order(app, tenant)
    meeting_id = sitting(app, tenant, PANEL)
    part = _panel_part(app, tenant)
    item_id = book(app, tenant, meeting_id, part, child)
    login(admin)
    response = client.post(f"/subject-to/agenda-items/{item_id}/record",
                           data={**FORM, "outcome_id": "permanence-agreed-subject-to-adviser",
                                 "date_matching-report": "13/04/2027"}, follow_redirects=True)
    assert "Awaiting sign-off by Agency adviser" in response.text
    assert "In the child's tracker once agreed." in response.text

    def closed():
        with app.app_context(), tenant_context(tenant.id):
            return [f.start for f in db.session.execute(select(ChildFlag).where(
                ChildFlag.child_id == child.id, ChildFlag.flag == "tracking_closed")).scalars()]

    # Pending: nothing has taken effect.
    assert closed() == []
    assert _milestone(app, tenant, child.id, MATCHING) is None

    travel(date(2027, 3, 4))
    login(adviser)
    response = client.post(f"/subject-to/agenda-items/{item_id}/sign-off", data={"agree": "yes", "note": ""},
                           follow_redirects=True)
    assert "Your sign-off is recorded." in response.text
    assert "Agreed by Ada Adviser (Agency adviser) on 4 March 2027" in response.text
    # The outcome stands: tracking closes (after_outcome) and the date is in the tracker.
    assert closed() == [date(2027, 3, 4)]
    assert _milestone(app, tenant, child.id, MATCHING)[:2] == (date(2027, 4, 13), "upcoming")


# --- The same through the API ------------------------------------------------------------------------

def test_the_api_refuses_an_outcome_whose_condition_fails_and_takes_the_agreed_dates(app, client, make_user,
                                                                                   make_token, travel):
    travel(date(2027, 3, 2))
    tenant = load_council(app, PPTM)
    admin = make_user(tenant, ["panel_administrator"])
    _, secret = make_token(tenant, admin)
    headers = {"Authorization": f"Bearer {secret}"}
    child = _child_on_a_care_order(app, tenant, code="C1")
    item_id = book(app, tenant, sitting(app, tenant, PANEL), _panel_part(app, tenant), child)
    url = f"/{PPTM}/api/v1/agenda-items/{item_id}/record"
    body = {"discussion": "", "care_plan_confirmed": True, "legal_status_confirmed": True,
            "outcome_id": "timescales-agreed", "decision": "Fictional decision.", "escalate": False,
            "agreed_dates": {"matching-report": "2027-04-13", "monitoring-review": "2027-05-11"}}
    response = client.put(url, json=body, headers=headers)
    assert response.status_code == 422
    [message] = response.get_json()["errors"]["json"]["outcome_id"]
    assert message.startswith("“Timescales agreed for matching reports and continued monitoring” cannot be recorded. "
                              "Only for children where legal status is C2 (care order)")

    c2 = _child_on_a_care_order(app, tenant, code="C2")
    item_id = book(app, tenant, sitting(app, tenant, PANEL), _panel_part(app, tenant), c2)
    url = f"/{PPTM}/api/v1/agenda-items/{item_id}/record"
    missing = client.put(url, json={**body, "agreed_dates": {"matching-report": "2027-04-13"}}, headers=headers)
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["json"]["agreed_dates.monitoring-review"] == [
        "Enter the date agreed for continued monitoring reviewed at Permanence Panel"]
    response = client.put(url, json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    record = response.get_json()
    assert record["agreed_dates"] == {"matching-report": "2027-04-13", "monitoring-review": "2027-05-11"}
    # The record sent back as GET shows it changes nothing.
    again = client.put(url, json=client.get(url, headers=headers).get_json(), headers=headers)
    assert again.status_code == 200 and again.get_json()["agreed_dates"] == record["agreed_dates"]
    assert _milestone(app, tenant, c2.id, MATCHING)[:2] == (date(2027, 4, 13), "upcoming")
