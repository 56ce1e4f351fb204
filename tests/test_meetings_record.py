"""The meeting's pages: taking attendance (quorum banner), declarations and the chair's ruling,
recording an item (sign-off, deferral), the decision maker's sign-off page, and who may do what."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.panels.models import Attendance, AttendanceStatus, Declaration, ItemStatus, Meeting, Ruling
from meetings_support import MONTHLY, emails, item_of, monthly_meeting

SLUG = MONTHLY["slug"]


@pytest.fixture
def monthly(app, make_user, make_child):
    return monthly_meeting(app, make_user, make_child)


def _attendance_form(page_text: str, **overrides) -> dict:
    """The attendance form as a browser would post it: every seat present unless overridden."""
    count = int(re.search(r'name="rows" value="(\d+)"', page_text).group(1))
    data = {"rows": str(count)}
    for name, value in re.findall(r'<input type="hidden" name="((?:id|user_id|role|title)-\d+)" value="([^"]*)"',
                                  page_text):
        data[name] = value
    for i in range(count):
        data[f"status-{i}"] = "present"
    data.update(overrides)
    return data


def _attendance(app, tenant, meeting_id):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(Attendance).where(Attendance.meeting_id == meeting_id)
                                  .order_by(Attendance.id)).scalars().all()
        return [(r.user_id, r.name, r.status, r.represented_by) for r in rows]


def test_the_chair_takes_attendance_and_sees_whether_the_meeting_is_quorate(app, client, login, monthly):
    login(monthly["people"]["chair"])
    url = f"/{SLUG}/meetings/{monthly['meeting_id']}/record"
    page = client.get(url)
    assert page.status_code == 200
    assert "Attendance has not been taken yet" in page.text
    for name in ("Casey Chair", "Tara Manager", "Toby Manager", "Ira Reviewer"):
        assert name in page.text
    assert "at least 3 members, including service manager" in page.text

    response = client.post(f"/{SLUG}/meetings/{monthly['meeting_id']}/attendance",
                           data=_attendance_form(page.text, **{"status-0": "apologies"}), follow_redirects=True)
    assert response.status_code == 200
    assert "Not quorate: no service manager is present" in response.text
    item_page = client.get(f"/{SLUG}/agenda-items/{monthly['items'][0]}/record")
    assert "The meeting was not quorate" in item_page.text
    response = client.post(f"/{SLUG}/meetings/{monthly['meeting_id']}/attendance",
                           data=_attendance_form(page.text, **{"status-1": "represented",
                                                               "represented_by-1": "Rita Deputy",
                                                               "guest_name": "Gill Guest",
                                                               "guest_title": "Virtual school"}),
                           follow_redirects=True)
    assert ">Quorate<" in response.text and "Gill Guest" in response.text
    rows = _attendance(app, monthly["tenant"], monthly["meeting_id"])
    assert (monthly["people"]["tm1"].id, "", AttendanceStatus.REPRESENTED, "Rita Deputy") in \
        [(u, n, s, r) for u, n, s, r in rows]
    assert (None, "Gill Guest", AttendanceStatus.PRESENT, "") in rows
    with app.app_context(), tenant_context(monthly["tenant"].id):
        assert db.session.get(Meeting, monthly["meeting_id"]).quorate is True


def test_a_representative_must_be_named_and_nothing_is_saved(app, client, login, monthly):
    login(monthly["people"]["admin"])
    url = f"/{SLUG}/meetings/{monthly['meeting_id']}/record"
    page = client.get(url)
    response = client.post(f"/{SLUG}/meetings/{monthly['meeting_id']}/attendance",
                           data=_attendance_form(page.text, **{"status-2": "represented"}))
    assert response.status_code == 400
    assert "There is a problem" in response.text and "Enter who represented the member" in response.text
    assert 'href="#represented_by-2"' in response.text
    assert "Toby Manager" in response.text  # the rows come back as posted, with their names
    assert _attendance(app, monthly["tenant"], monthly["meeting_id"]) == []


def test_declarations_are_ruled_on_by_the_chair_and_leaving_shows_on_the_record(app, client, login, monthly):
    people, meeting_id, item_id = monthly["people"], monthly["meeting_id"], monthly["items"][0]
    login(people["admin"])
    response = client.post(f"/{SLUG}/meetings/{meeting_id}/declarations",
                           data={"user_id": str(people["tm2"].id), "agenda_item_id": str(item_id),
                                 "interest": "Was the supervising social worker of the carers"},
                           follow_redirects=True)
    assert "The declaration is recorded" in response.text
    assert "Record ruling" not in response.text  # the administrator records; the chair rules
    with app.app_context(), tenant_context(monthly["tenant"].id):
        declaration_id = db.session.execute(select(Declaration.id)).scalar_one()
    assert client.post(f"/{SLUG}/declarations/{declaration_id}/ruling", data={"ruling": "leave"}).status_code == 403

    login(people["chair"])
    page = client.get(f"/{SLUG}/meetings/{meeting_id}/record")
    assert "Record ruling" in page.text
    assert client.post(f"/{SLUG}/declarations/{declaration_id}/ruling", data={}).status_code == 400
    response = client.post(f"/{SLUG}/declarations/{declaration_id}/ruling", data={"ruling": "leave"},
                           follow_redirects=True)
    assert "Ruling recorded: leaves the meeting for the item." in response.text
    assert "Toby Manager (left for this item)" in response.text
    item_page = client.get(f"/{SLUG}/agenda-items/{item_id}/record")
    assert "Toby Manager left the meeting for this item" in item_page.text
    with app.app_context(), tenant_context(monthly["tenant"].id):
        assert db.session.get(Declaration, declaration_id).ruling == Ruling.LEAVE

    # A declaration with no interest stated is refused, naming the field.
    login(people["admin"])
    response = client.post(f"/{SLUG}/meetings/{meeting_id}/declarations",
                           data={"user_id": str(people["tm1"].id), "agenda_item_id": "", "interest": ""})
    assert response.status_code == 400 and "Enter the interest declared" in response.text


FORM = {"discussion": "Plan progressing well.", "care_plan_confirmed": "yes", "legal_status_confirmed": "yes",
        "outcome_id": "continue-tracking", "decision": "Continue to track.", "next_review_on": "", "escalate": "no",
        "escalation_reason": ""}


def test_recording_an_item_on_the_page(app, client, login, monthly):
    login(monthly["people"]["admin"])
    item_id = monthly["items"][0]
    page = client.get(f"/{SLUG}/agenda-items/{item_id}/record")
    assert page.status_code == 200 and "Record this item" in page.text
    for label in ("Continue tracking; plan progressing", "Senior manager decision or view sought"):
        assert label in page.text  # the ToR's outcomes
    assert "Escalating tells Senior manager by e-mail" in page.text

    response = client.post(f"/{SLUG}/agenda-items/{item_id}/record",
                           data={**FORM, "escalate": "yes", "next_review_on": "31/02/2027"})
    assert response.status_code == 400
    assert "Next review date must be a real date" in response.text
    response = client.post(f"/{SLUG}/agenda-items/{item_id}/record", data={**FORM, "escalate": "yes"})
    assert response.status_code == 400 and "Enter why the item is escalated" in response.text
    assert item_of(app, monthly["tenant"], item_id).status == ItemStatus.BOOKED

    response = client.post(f"/{SLUG}/agenda-items/{item_id}/record",
                           data={**FORM, "outcome_id": "senior-manager-decision"}, follow_redirects=True)
    assert "The item is recorded as heard." in response.text
    assert "Awaiting sign-off by Senior manager" in response.text and "Not yet agreed" in response.text
    item = item_of(app, monthly["tenant"], item_id)
    assert item.status == ItemStatus.HEARD and item.care_plan_confirmed is True and item.sign_off_role == "senior-manager"
    assert [e[0] for e in emails(app, monthly["tenant"])] == ["senior@monthly.example.org"]


def test_the_senior_manager_signs_off_on_their_page(app, client, login, monthly):
    item_id = monthly["items"][0]
    login(monthly["people"]["admin"])
    client.post(f"/{SLUG}/agenda-items/{item_id}/record", data={**FORM, "outcome_id": "senior-manager-decision"})
    login(monthly["people"]["senior"])
    page = client.get(f"/{SLUG}/agenda-items/{item_id}/sign-off")
    assert page.status_code == 200 and "Senior manager decision or view sought" in page.text
    assert "Do you agree with the recommendation?" in page.text
    response = client.post(f"/{SLUG}/agenda-items/{item_id}/sign-off", data={"agree": "no", "note": ""})
    assert response.status_code == 400 and "Enter why you do not agree" in response.text
    response = client.post(f"/{SLUG}/agenda-items/{item_id}/sign-off", data={"agree": "yes", "note": "Agreed"},
                           follow_redirects=True)
    assert "Your sign-off is recorded." in response.text and "Agreed by Sam Senior (Senior manager)" in response.text
    assert item_of(app, monthly["tenant"], item_id).sign_off_agreed is True
    # The chair may not sign off for the senior manager.
    other = monthly["items"][1]
    login(monthly["people"]["admin"])
    client.post(f"/{SLUG}/agenda-items/{other}/record", data={**FORM, "outcome_id": "senior-manager-decision"})
    login(monthly["people"]["chair"])
    page = client.get(f"/{SLUG}/agenda-items/{other}/sign-off")
    assert page.status_code == 200 and "Only the named decision maker can agree" in page.text
    response = client.post(f"/{SLUG}/agenda-items/{other}/sign-off", data={"agree": "yes"})
    assert response.status_code == 403 and "Only the Senior manager signs off" in response.text
    assert item_of(app, monthly["tenant"], other).sign_off_agreed is None


def test_deferring_on_the_page(app, client, login, monthly):
    login(monthly["people"]["admin"])
    item_id = monthly["items"][1]
    response = client.post(f"/{SLUG}/agenda-items/{item_id}/defer", data={"reason": ""})
    assert response.status_code == 400 and "Enter why the item is deferred" in response.text
    response = client.post(f"/{SLUG}/agenda-items/{item_id}/defer", data={"reason": "Parents' solicitor unavailable"},
                           follow_redirects=True)
    assert "The item is deferred and booked for" in response.text
    assert item_of(app, monthly["tenant"], item_id).status == ItemStatus.DEFERRED


def test_who_may_see_and_record(app, client, login, monthly, make_user, tenant_b):
    meeting_id, item_id = monthly["meeting_id"], monthly["items"][0]
    login(monthly["people"]["admin"])
    client.post(f"/{SLUG}/meetings/{meeting_id}/declarations",
                data={"user_id": str(monthly["people"]["tm1"].id), "agenda_item_id": str(item_id),
                      "interest": "Related to the carers"})
    login(monthly["people"]["worker"])
    assert client.post(f"/{SLUG}/agenda-items/{item_id}/record", data=FORM).status_code == 403
    assert client.post(f"/{SLUG}/meetings/{meeting_id}/attendance", data={"rows": "0"}).status_code == 403
    page = client.get(f"/{SLUG}/meetings/{meeting_id}/record")
    assert page.status_code == 200  # the meeting, but not the children they may not see
    assert "Fictional Ash" not in page.text and "An item you cannot see" in page.text
    assert client.get(f"/{SLUG}/agenda-items/{item_id}/record").status_code == 403  # not their child
    login(monthly["people"]["tm1"])  # a seated member reads the record but has no form
    page = client.get(f"/{SLUG}/agenda-items/{item_id}/record")
    assert page.status_code == 200 and "Save the record" not in page.text
    outsider = make_user(tenant_b, ["panel_administrator"])
    login(outsider)
    assert client.get(f"/{tenant_b.slug}/meetings/{meeting_id}/record").status_code == 404
    assert client.get(f"/{tenant_b.slug}/agenda-items/{item_id}/record").status_code == 404
    assert client.post(f"/{tenant_b.slug}/agenda-items/{item_id}/record", data=FORM).status_code == 404
    assert item_of(app, monthly["tenant"], item_id).status == ItemStatus.BOOKED


def test_a_member_of_the_panel_declares_their_own_interest_on_the_page(app, client, login, monthly):
    people, meeting_id = monthly["people"], monthly["meeting_id"]
    login(people["tm2"])
    page = client.get(f"/{SLUG}/meetings/{meeting_id}/record").get_data(as_text=True)
    assert "Declare your own interest" in page and "Record a declaration" not in page
    response = client.post(f"/{SLUG}/meetings/{meeting_id}/declarations/mine", data={"own-interest": ""})
    assert response.status_code == 400 and "Enter the interest you declare" in response.get_data(as_text=True)
    response = client.post(f"/{SLUG}/meetings/{meeting_id}/declarations/mine",
                           data={"own-interest": "My partner fosters for the agency", "own-agenda_item_id": ""},
                           follow_redirects=True)
    assert "Your declaration is recorded; the chair will rule on it." in response.get_data(as_text=True)
    assert "My partner fosters for the agency" in response.get_data(as_text=True)
    login(people["worker"])
    assert "Declare your own interest" not in client.get(f"/{SLUG}/meetings/{meeting_id}/record").get_data(
        as_text=True)
    assert client.post(f"/{SLUG}/meetings/{meeting_id}/declarations/mine",
                       data={"own-interest": "Not on the panel"}).status_code == 403


def test_opening_an_items_record_is_a_read_of_the_childs_record_in_the_audit_log(app, client, login, monthly):
    from permanence.audit.models import AuditEvent

    child = monthly["children"][0]
    login(monthly["people"]["tm1"])  # a seated member: sees the booked item through the seat
    assert client.get(f"/{SLUG}/agenda-items/{monthly['items'][0]}/record").status_code == 200
    with app.app_context(), tenant_context(monthly["tenant"].id):
        reads = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "read", AuditEvent.entity_type == "Child",
            AuditEvent.entity_id == str(child.id))).scalars().all()
    assert [r.actor_id for r in reads] == [monthly["people"]["tm1"].id]


def test_the_record_of_a_timed_sitting_shows_its_london_times(app, client, login, monthly):
    """Generated sittings have start and end times (the demo's all do): the page shows them in
    London time. It answered 500 for every such sitting (the time macro had no time zone)."""
    with app.app_context(), tenant_context(monthly["tenant"].id):
        meeting = db.session.get(Meeting, monthly["meeting_id"])
        meeting.starts_at = datetime.combine(meeting.date, datetime.min.time(), timezone.utc).replace(hour=9)
        meeting.ends_at = meeting.starts_at.replace(hour=12)
        db.session.commit()
        expected = meeting.starts_at.astimezone(LONDON).strftime("%H:%M")
    login(monthly["people"]["chair"])
    page = client.get(f"/{SLUG}/meetings/{monthly['meeting_id']}/record")
    assert page.status_code == 200
    assert f", {expected} to " in page.text
