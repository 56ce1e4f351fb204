"""Reminders in the council's own words, sent once each, on fixed days: a referral deadline
approaching and minutes due at Waltham Forest's PTM, papers missing and minutes due at seed
001's Permanence Panel, actions due everywhere; and the ToR refuses a placeholder it does not
know, naming the line.

Waltham Forest's PTM sits fortnightly on Wednesdays (3 and 17 March 2027); referrals are due 5
working days before (Wed 10 March for the 17th) and its reminder goes 2 working days before that,
from Mon 8 March. Its minutes are due 5 working days after a meeting (Wed 10 March for the 3rd),
reminded 2 working days ahead. Seed 001's panel sits fortnightly on Tuesdays (2 and 16 March);
papers are due 3 days before (Sat 13 March, so Fri 12 March), reminded from Wed 10 March; minutes
5 working days after (Tue 9 March), reminded from Fri 5 March.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from permanence.cases.models import Child
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.documents.services import attach
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.panels.models import (Action, ActionStatus, AgendaItem, ItemStatus, Meeting, Minutes,
                                      MinutesStatus, PanelMember)
from permanence.panels.services import generate_meetings
from permanence.reminders.jobs import send_reminders_job
from permanence.tor.services import current_tor
from permanence.tor.loader import TorConfigError, load_tor_from_text
from tracker_support import REPO, load_seed

d = date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _child(first, last, **people):
    child = Child(case_number=f"REM-{last.upper()}", first_name=first, last_name=last, date_of_birth=d(2019, 4, 4),
                  **{f"{k}_id": v.id for k, v in people.items()})
    db.session.add(child)
    db.session.flush()
    return child


def _meeting(body_id, day):
    return db.session.execute(select(Meeting).where(Meeting.body_id == body_id, Meeting.date == day)).scalar_one()


def _item(meeting, part_id, child, status, **extra):
    item = AgendaItem(meeting=meeting, part_id=part_id, child_id=child.id, status=status, **extra)
    db.session.add(item)
    db.session.flush()
    return item


def _sent():
    return sorted((m.to_address, m.subject) for m in db.session.execute(select(EmailMessage)).scalars())


def _run(day):
    result = send_reminders_job(day.isoformat())
    jobs.commit()
    return result


@pytest.fixture
def waltham_forest(app, make_user):
    tenant = load_seed(app, "waltham-forest")
    people = {
        "sw": make_user(tenant, ("social_worker",), email="sw@wf.example.org", name="Sasha Worker"),
        "tm": make_user(tenant, ("team_manager",), email="tm@wf.example.org", name="Toby Manager"),
        "tm2": make_user(tenant, ("team_manager",), email="tm2@wf.example.org", name="Tess Manager"),
        "officer": make_user(tenant, ("panel_administrator",), email="officer@wf.example.org", name="Pat Officer"),
    }
    return tenant, people


def test_waltham_forest_referral_deadline_minutes_and_actions_once_each(app, waltham_forest, work_jobs, capsys):
    tenant, p = waltham_forest
    with app.app_context(), tenant_context(tenant.id):
        generate_meetings(tenant.id, d(2027, 3, 1))
        held, next_ptm = _meeting("ptm", d(2027, 3, 3)), _meeting("ptm", d(2027, 3, 17))
        part = current_tor(tenant.id).body("ptm").agenda_parts[0].id
        ada = _child("Ada", "Draft", social_worker=p["sw"], team_manager=p["tm"])
        ben = _child("Ben", "Proposed", social_worker=p["sw"], team_manager=p["tm2"])
        cal = _child("Cal", "Submitted", social_worker=p["sw"], team_manager=p["tm"])
        _item(next_ptm, part, ada, ItemStatus.DRAFT, referred_by_id=p["sw"].id)
        _item(next_ptm, part, ben, ItemStatus.PROPOSED)
        _item(next_ptm, part, cal, ItemStatus.SUBMITTED, referred_by_id=p["sw"].id)
        heard = _item(held, part, cal, ItemStatus.HEARD)
        db.session.add_all([
            Action(agenda_item_id=heard.id, child_id=cal.id, description="Complete the later life letter",
                   owner_id=p["tm"].id, due_on=d(2027, 3, 12)),
            Action(agenda_item_id=heard.id, child_id=cal.id, description="Book the sibling assessment",
                   owner_id=p["sw"].id, due_on=d(2027, 3, 1)),  # overdue
            Action(agenda_item_id=heard.id, child_id=cal.id, description="Later", owner_id=p["sw"].id,
                   due_on=d(2027, 3, 30)),  # not due within 5 working days
            Action(agenda_item_id=heard.id, child_id=cal.id, description="Done already", owner_id=p["sw"].id,
                   due_on=d(2027, 3, 9), status=ActionStatus.DONE),
        ])
        jobs.commit()

        # Fri 5 March: the referral reminder window (from Mon 8 March) has not opened; the overdue
        # action is reminded, the one due Fri 12 March is within 5 working days.
        assert _run(d(2027, 3, 5)) == {"actions_due": 2}
        work_jobs()
        assert _sent() == [
            ("sw@wf.example.org", "PTM action for C.S. (REM-SUBMITTED) due Monday 1 March 2027"),
            ("tm@wf.example.org", "PTM action for C.S. (REM-SUBMITTED) due Friday 12 March 2027"),
        ]

        assert _run(d(2027, 3, 8)) == {"referral_deadline": 3, "minutes_due": 1}
        work_jobs()
        messages = {(m.to_address, m.reminder_key): m for m in db.session.execute(select(EmailMessage)).scalars()}
        assert sorted(messages) == sorted([
            ("sw@wf.example.org", f"actions_due:action-2:2027-03-01"),
            ("tm@wf.example.org", f"actions_due:action-1:2027-03-12"),
            ("sw@wf.example.org", f"referral_deadline:item-1:2027-03-10"),
            ("tm@wf.example.org", f"referral_deadline:item-1:2027-03-10"),
            ("tm2@wf.example.org", f"referral_deadline:item-2:2027-03-10"),
            ("officer@wf.example.org", f"minutes_due:meeting-{held.id}:2027-03-10"),
        ])
        ada_mail = messages[("tm@wf.example.org", "referral_deadline:item-1:2027-03-10")]
        assert ada_mail.subject == "PTM Wednesday 17 March 2027: referral for A.D. (REM-DRAFT) due Wednesday 10 March 2027"
        assert ada_mail.body.startswith("Dear Toby Manager,\n\nA.D. (REM-DRAFT) is down for the Permanency Tracking "
                                        "Meeting on Wednesday 17 March 2027 (")
        assert "and the\nreferral is still in draft." in ada_mail.body
        assert f"/waltham-forest/referrals/1" in ada_mail.body
        action_mail = messages[("tm@wf.example.org", "actions_due:action-1:2027-03-12")]
        assert "Complete the later life letter" in action_mail.body
        assert "/waltham-forest/actions/mine\n" in action_mail.body
        ben_mail = messages[("tm2@wf.example.org", "referral_deadline:item-2:2027-03-10")]
        assert "referral is proposed, and not referred yet" in ben_mail.body
        minutes_mail = messages[("officer@wf.example.org", f"minutes_due:meeting-{held.id}:2027-03-10")]
        assert minutes_mail.subject == "PTM Wednesday 3 March 2027: decision sheets due Wednesday 10 March 2027"
        assert f"/waltham-forest/meetings/{held.id}/minutes" in minutes_mail.body

        # Tuesday's and Wednesday's runs send nothing again; once the minutes are circulated and the
        # deadline has passed, nothing is due at all.
        assert _run(d(2027, 3, 9)) == {}
        assert _run(d(2027, 3, 10)) == {}
        assert db.session.scalar(select(func.count(EmailMessage.id))) == 6
        work_jobs()
        assert all(m.status.value == "sent" for m in db.session.execute(select(EmailMessage)).scalars())
    # The embedded default prints each e-mail to the console.
    out = capsys.readouterr().out
    assert "--- e-mail to officer@wf.example.org: PTM Wednesday 3 March 2027: decision sheets due" in out


def test_seed_001_papers_missing_and_minutes_due_in_its_words(app, make_user):
    tenant = load_seed(app, "permanence-panel-pptm")
    sw = make_user(tenant, ("social_worker",), email="sw@pp.example.org", name="Sol Worker")
    tm = make_user(tenant, ("team_manager",), email="tm@pp.example.org", name="Tam Manager")
    bso = make_user(tenant, ("panel_administrator",), email="bso@pp.example.org", name="Bo Support")
    other_admin = make_user(tenant, ("panel_administrator",), email="admin2@pp.example.org")
    with app.app_context(), tenant_context(tenant.id):
        generate_meetings(tenant.id, d(2027, 3, 1))
        db.session.add(PanelMember(body_id="permanence-panel", user_id=bso.id, role="panel-administrator"))
        held, upcoming = _meeting("permanence-panel", d(2027, 3, 2)), _meeting("permanence-panel", d(2027, 3, 16))
        dee = _child("Dee", "Missing", social_worker=sw, team_manager=tm)
        eve = _child("Eve", "Complete", social_worker=sw, team_manager=tm)
        missing = _item(upcoming, "plan-ratification", dee, ItemStatus.BOOKED)
        complete = _item(upcoming, "plan-ratification", eve, ItemStatus.BOOKED)
        attach("agenda_item", complete, paperwork_id="permanence-paperwork", title="Permanence paperwork",
               filename="paperwork.pdf", data=PDF, uploaded_by=sw)
        _item(held, "plan-ratification", eve, ItemStatus.HEARD)
        jobs.commit()

        # Mon 8 March: minutes of 2 March due Tue 9 March, to the seated Business Support Officer only.
        assert _run(d(2027, 3, 8)) == {"minutes_due": 1}
        [minutes] = db.session.execute(select(EmailMessage)).scalars().all()
        assert (minutes.to_address, minutes.subject) == (
            "bso@pp.example.org", "Permanence Panel Tuesday 2 March 2027: minutes due on FWi by Tuesday 9 March 2027")

        # Wed 10 March: Dee's paperwork is missing (due Fri 12 March); Eve's is in. The minutes'
        # window has passed and they were reminded already.
        assert _run(d(2027, 3, 10)) == {"papers_missing": 2}
        papers = db.session.execute(select(EmailMessage).where(
            EmailMessage.reminder_key == f"papers_missing:item-{missing.id}:2027-03-12")).scalars().all()
        assert sorted(m.to_address for m in papers) == ["sw@pp.example.org", "tm@pp.example.org"]
        assert {m.subject for m in papers} == {
            "Permanence Panel: permanence paperwork for D.M. (REM-MISSING) needed by Friday 12 March 2027"}
        assert "- Permanence paperwork (quality assured by the Team Manager)\n" in papers[0].body
        assert "Dear Sol Worker," in {m.to_address: m for m in papers}["sw@pp.example.org"].body
        assert f"/permanence-panel-pptm/agenda-items/{missing.id}/papers\n" in papers[0].body

        assert _run(d(2027, 3, 11)) == {}
        # Circulated minutes are not reminded, whatever the day.
        db.session.add(Minutes(meeting_id=upcoming.id, status=MinutesStatus.CIRCULATED))
        _item(upcoming, "plan-ratification", _child("Fay", "Heard", team_manager=tm), ItemStatus.HEARD)
        jobs.commit()
        assert _run(d(2027, 3, 22)) == {}
        assert other_admin.email not in {m.to_address for m in db.session.execute(select(EmailMessage)).scalars()}


def test_a_reminder_kind_can_be_switched_off(app, make_user):
    tenant = load_seed(app, "redbridge")
    owner = make_user(tenant, ("social_worker",), email="owner@rb.example.org")
    with app.app_context(), tenant_context(tenant.id):
        child = _child("Gus", "Action", social_worker=owner)
        db.session.add(Action(child_id=child.id, description="Viability assessment", owner_id=owner.id,
                              due_on=d(2027, 3, 3)))
        jobs.commit()
        assert _run(d(2027, 3, 1)) == {"actions_due": 1}
        [mail] = db.session.execute(select(EmailMessage)).scalars().all()
        assert mail.subject == "PTP action for G.A. (REM-ACTION): due Wednesday 3 March 2027"
        assert mail.body.endswith("Panel Administrator, Redbridge Children's Trust\n")


def _tor_text(slug="waltham-forest"):
    return (REPO / "tenants" / slug / "tor.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("bad, message", [
    ("{kid}", "unknown placeholder {kid}; actions_due may use: {name}, {child}, {action}, {deadline}, {panel}, "
              "{link}"),
    ("{child.name}", "unknown placeholder {child.name}; actions_due may use: {name}, {child}, {action}, "
                     "{deadline}, {panel}, {link}"),
    ("{deadline:>40}", "write {deadline} on its own, without a format or conversion"),
    ("{child!r}", "write {child} on its own, without a format or conversion"),
    ("{child", "a brace is not matched: write a placeholder as {child}, and a literal brace as {{ or }}"),
    ("child}", "a brace is not matched: write a placeholder as {child}, and a literal brace as {{ or }}"),
])
def test_the_tor_refuses_an_unknown_placeholder_naming_the_line(bad, message):
    text = _tor_text()
    good = 'subject: "PTM action for {child} due {deadline}"'
    assert good in text
    line = text[:text.index(good)].count("\n") + 1
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(text.replace(good, f'subject: "PTM action for {bad} due {{deadline}}"'), "tor.yaml")
    [error] = caught.value.errors
    assert (error.line, error.message) == (line, message)


def test_the_tor_refuses_days_before_for_an_invitation_and_an_unknown_kind():
    text = _tor_text("permanence-panel-pptm")
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(text.replace("  tracking_meeting_booked:\n", "  tracking_meeting_booked:\n"
                                        "    days_before: 2\n") + "  minutes_late: {enabled: false}\n")
    assert [(e.path[-1], e.message) for e in caught.value.errors] == [
        ("days_before", "tracking_meeting_booked is sent when it happens; it has no days_before"),
        ("minutes_late", "unknown key 'minutes_late'; allowed keys: actions_due, minutes_due, papers_missing, "
                         "referral_deadline, source, tracking_meeting_booked")]


def test_defaults_apply_when_a_council_writes_no_reminders():
    text = _tor_text("redbridge")
    tor = load_tor_from_text(text[:text.index("\n# Reminders e-mailed")] + "\n")
    assert tor.reminders["referral_deadline"].subject == "{panel}: referral for {child} due by {deadline}"
    assert tor.reminders["actions_due"].days_before == 3


def test_the_api_previews_the_reminders_due_on_a_day(app, client, waltham_forest, make_token):
    tenant, p = waltham_forest
    with app.app_context(), tenant_context(tenant.id):
        generate_meetings(tenant.id, d(2027, 3, 1))
        part = current_tor(tenant.id).body("ptm").agenda_parts[0].id
        _item(_meeting("ptm", d(2027, 3, 17)), part, _child("Ada", "Draft", team_manager=p["tm"]), ItemStatus.PROPOSED)
        jobs.commit()
    _, secret = make_token(tenant, p["officer"])
    _, worker = make_token(tenant, p["sw"])
    auth = {"Authorization": f"Bearer {secret}"}
    url = "/waltham-forest/api/v1/reminders/due"
    due = client.get(f"{url}?date=2027-03-08", headers=auth).get_json()
    assert [(r["kind"], r["to"], r["subject"], r["already_sent"]) for r in due] == [
        ("referral_deadline", "tm@wf.example.org",
         "PTM Wednesday 17 March 2027: referral for A.D. (REM-DRAFT) due Wednesday 10 March 2027", False)]
    assert client.get(f"{url}?date=2027-03-05", headers=auth).get_json() == []
    bad = client.get(f"{url}?date=8 March", headers=auth)
    assert bad.status_code == 422 and "date" in bad.get_json()["errors"]["query"]
    assert client.get(url, headers={"Authorization": f"Bearer {worker}"}).status_code == 403
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.scalar(select(func.count(EmailMessage.id))) == 0  # a preview sends nothing
        _run(d(2027, 3, 8))
    assert [r["already_sent"] for r in client.get(f"{url}?date=2027-03-08", headers=auth).get_json()] == [True]


def test_a_reminder_key_goes_once_to_each_address_and_sending_is_retried_up_to_the_limit(app, make_tenant):
    from permanence.notifications.services import queue_email

    tenant = make_tenant("council-r", "Council R")
    with app.app_context(), tenant_context(tenant.id):
        first = queue_email("a@example.org", "Subject", "Body", reminder_key="minutes_due:meeting-1:2027-03-10")
        # RQ retries the send until MAIL_MAX_ATTEMPTS attempts in all (the job then marks it failed).
        assert db.session.info["pending_jobs"][-1].retries == app.config["MAIL_MAX_ATTEMPTS"] - 1
        assert queue_email("A@example.org", "Again", "Body", reminder_key="minutes_due:meeting-1:2027-03-10") is None
        assert queue_email("b@example.org", "Subject", "Body", reminder_key="minutes_due:meeting-1:2027-03-10")
        assert queue_email("a@example.org", "Moved", "Body", reminder_key="minutes_due:meeting-1:2027-03-17")
        assert queue_email("a@example.org", "Not a reminder", "Body") and queue_email("a@example.org", "Again", "Body")
        jobs.commit()
        assert first.reminder_key == "minutes_due:meeting-1:2027-03-10"
        assert db.session.scalar(select(func.count(EmailMessage.id))) == 5


def test_redbridge_reminds_of_its_added_items_cut_off(app, make_user):
    """Redbridge sets no "referrals" deadline: its cut-off for items to be added (3 working days before)
    is the referral deadline, for reminders as for the referrals themselves."""
    tenant = load_seed(app, "redbridge")
    sw = make_user(tenant, ("social_worker",), email="sw@rb.example.org", name="Sol Worker")
    with app.app_context(), tenant_context(tenant.id):
        generate_meetings(tenant.id, d(2027, 3, 1))
        ptp = _meeting("ptp", d(2027, 3, 17))  # items to be added by Friday 12 March
        part = next(p.id for p in current_tor(tenant.id).body("ptp").agenda_parts if "referral" in p.entry_routes)
        _item(ptp, part, _child("Dot", "Draft", social_worker=sw), ItemStatus.DRAFT, referred_by_id=sw.id)
        jobs.commit()
        assert _run(d(2027, 3, 9)) == {}  # more than 2 working days before
        assert _run(d(2027, 3, 10)) == {"referral_deadline": 1}
        [mail] = db.session.execute(select(EmailMessage)).scalars().all()
        assert mail.to_address == "sw@rb.example.org" and "Friday 12 March 2027" in mail.body


def test_several_reminders_due_to_one_person_in_a_run_come_in_one_e_mail(app, waltham_forest, work_jobs, client,
                                                                        login, travel):
    """Toby, a team manager, owns four actions falling due and Ada's referral is still in draft on
    Mon 8 March: he gets one e-mail with the five reminders, each still sent once, each listed on his
    notices page; Sasha, with one reminder, gets it as it always came."""
    from permanence.notifications.models import EmailStatus

    tenant, p = waltham_forest
    travel(d(2027, 3, 8))
    with app.app_context(), tenant_context(tenant.id):
        generate_meetings(tenant.id, d(2027, 3, 1))
        next_ptm = _meeting("ptm", d(2027, 3, 17))
        part = current_tor(tenant.id).body("ptm").agenda_parts[0].id
        ada = _child("Ada", "Draft", social_worker=p["sw"], team_manager=p["tm"])
        item = _item(next_ptm, part, ada, ItemStatus.DRAFT)
        db.session.add_all([Action(agenda_item_id=item.id, child_id=ada.id, description=f"Task number {n}",
                                   owner_id=p["tm"].id, due_on=d(2027, 3, 9)) for n in range(1, 5)])
        jobs.commit()
        assert _run(d(2027, 3, 8)) == {"referral_deadline": 2, "actions_due": 4}
        work_jobs()
        sent = [m for m in db.session.execute(select(EmailMessage).order_by(EmailMessage.id)).scalars()
                if m.status == EmailStatus.SENT]
        assert sorted(m.to_address for m in sent) == ["sw@wf.example.org", "tm@wf.example.org"]
        [toby] = [m for m in sent if m.to_address == "tm@wf.example.org"]
        assert toby.subject == "Your reminders for Monday 8 March 2027: 5"
        assert toby.body.startswith("Dear Toby Manager,\n\nYou have 5 reminders from Permanence today")
        assert all(f"Task number {n}" in toby.body for n in range(1, 5))
        assert "referral for A.D. (REM-DRAFT) due Wednesday 10 March 2027" in toby.body
        assert "Ada" not in toby.body and "Draft," not in toby.body
        # Each reminder is kept, in that e-mail, so none is sent again.
        assert _run(d(2027, 3, 8)) == {} and _run(d(2027, 3, 9)) == {}
        assert db.session.scalar(select(func.count(EmailMessage.id)).where(
            EmailMessage.status == EmailStatus.GROUPED, EmailMessage.digest_id == toby.id)) == 5
    login(p["tm"])
    page = client.get("/waltham-forest/notices").get_data(as_text=True)
    assert page.count("in one e-mail with your other reminders") == 5
    assert "Your reminders for Monday 8 March 2027" not in page
