"""Escalation notices at national scale: what the people told of drift find in their inbox.

One nightly run tells each person ONCE, listing every child whose drift reached them (by reference,
never by name); running again the same day tells nobody anything new; and the council's first run
(straight after an import or going live, with years of history) sends each person a summary instead
of a list. Redbridge's ladder: the team manager 5 working days after the due date, the head of
service (a senior manager) after 10. Every child here entered care on Mon 4 Jan 2027 and has had no
review, so the first review and the initial plan to the PTP (both due Mon 1 Feb) drift; by
Tue 16 Feb both steps are reached at once.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from permanence.cases.models import CarePeriod, Child, LegalStatus, Placement
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.tracker.jobs import nightly_tracker_job
from permanence.tracker.models import Escalation
from tracker_support import load_seed

d = date
NAME = "Quillfeather"  # every child's surname, which no e-mail may carry


def _late(case_number: str, first_name: str) -> Child:
    child = Child(case_number=case_number, first_name=first_name, last_name=NAME, date_of_birth=d(2020, 6, 1))
    child.care_periods.append(CarePeriod(start=d(2027, 1, 4), category_of_need="N1"))
    child.legal_statuses.append(LegalStatus(code="V2", start=d(2027, 1, 4)))
    child.placements.append(Placement(place="U6", provider="PR1", start=d(2027, 1, 4)))
    return child


def _thirty() -> list[Child]:
    return [_late(f"DRIFT-{n:02d}", f"Zephyrine{n:02d}") for n in range(1, 31)]


def night(app, tenant, day, *record):
    """The nightly run on ``day``, after adding ``record`` in the same transaction."""
    with app.app_context(), tenant_context(tenant.id):
        db.session.add_all(record)
        db.session.flush()
        result = nightly_tracker_job(day.isoformat())
        jobs.commit()
        return result


def inbox(app, tenant) -> dict[str, list[EmailMessage]]:
    with app.app_context(), tenant_context(tenant.id):
        messages = db.session.execute(select(EmailMessage).order_by(EmailMessage.id)).scalars().all()
        db.session.expunge_all()
    box: dict[str, list[EmailMessage]] = {}
    for message in messages:
        box.setdefault(message.to_address, []).append(message)
    return box


def _references(text: str) -> set[str]:
    return set(re.findall(r"DRIFT-\d\d", text))


def _council(app, make_user):
    tenant = load_seed(app, "redbridge")
    people = {
        "head": make_user(tenant, ["senior_manager"], email="head@redbridge.example.org"),
        "deputy": make_user(tenant, ["senior_manager"], email="deputy.head@redbridge.example.org"),
        "tm": make_user(tenant, ["team_manager"], email="tm@redbridge.example.org"),
    }
    return tenant, people


def _after_a_first_night(app, tenant):
    """A first night that escalated one child, so the council's runs list children from then on."""
    night(app, tenant, d(2027, 2, 15), _late("EARLIER-1", "Ottoline"))
    return {to: len(messages) for to, messages in inbox(app, tenant).items()}


def test_thirty_drifting_children_reach_the_head_of_service_in_one_e_mail(app, make_user):
    tenant, people = _council(app, make_user)
    before = _after_a_first_night(app, tenant)
    assert before == {"head@redbridge.example.org": 1, "deputy.head@redbridge.example.org": 1,
                      "tm@redbridge.example.org": 1}
    night(app, tenant, d(2027, 2, 16), *_thirty())
    box = inbox(app, tenant)
    [mail] = box["head@redbridge.example.org"][before["head@redbridge.example.org"]:]
    assert mail.subject == "Drift escalated to you: 30 children (Redbridge, 16 February 2027)"
    assert mail.kind == "escalation" and mail.reminder_key == "escalations:2027-02-16"
    # Every child by reference with each milestone, its due date and the step reached; no name.
    assert _references(mail.body) == {f"DRIFT-{n:02d}" for n in range(1, 31)}
    assert "Z.Q. (DRIFT-07)" in mail.body
    assert NAME not in mail.body and "Zephyrine" not in mail.body and "EARLIER-1" not in mail.body
    assert "First looked-after review: was due 1 February 2027 (15 days overdue); step 2 of 3 " \
           "(Escalation of drift): Head of service" in mail.body
    assert mail.body.count("Initial plan presented to PTP") == 30
    assert "http://127.0.0.1:5000/redbridge/tracker/drift" in mail.body
    # Two other people told that night: one e-mail each, the team manager's at the first step.
    [deputy] = box["deputy.head@redbridge.example.org"][1:]
    assert _references(deputy.body) == _references(mail.body)
    [tm] = box["tm@redbridge.example.org"][1:]
    assert _references(tm.body) == _references(mail.body) and "step 1 of 3" in tm.body
    assert "step 2 of 3" not in tm.body
    # Each escalation says who was told of it.
    with app.app_context(), tenant_context(tenant.id):
        told = {(e.level, e.escalated_on, tuple(e.notified_list)) for e in db.session.execute(select(Escalation))
                .scalars() if e.escalated_on == d(2027, 2, 16)}
    assert told == {(1, d(2027, 2, 16), ("tm@redbridge.example.org",)),
                    (2, d(2027, 2, 16), ("head@redbridge.example.org", "deputy.head@redbridge.example.org"))} or \
        told == {(1, d(2027, 2, 16), ("tm@redbridge.example.org",)),
                 (2, d(2027, 2, 16), ("deputy.head@redbridge.example.org", "head@redbridge.example.org"))}


def test_running_again_the_same_day_sends_nothing_new(app, make_user):
    tenant, _ = _council(app, make_user)
    _after_a_first_night(app, tenant)
    night(app, tenant, d(2027, 2, 16), *_thirty())
    counted = {to: len(m) for to, m in inbox(app, tenant).items()}
    assert counted == {"head@redbridge.example.org": 2, "deputy.head@redbridge.example.org": 2,
                       "tm@redbridge.example.org": 2}
    assert night(app, tenant, d(2027, 2, 16))["escalations"] == 0
    assert {to: len(m) for to, m in inbox(app, tenant).items()} == counted
    # A child newly drifting and escalated later that day is told of alone, in an e-mail of its own.
    night(app, tenant, d(2027, 2, 16), _late("DRIFT-31", "Zephyrine31"))
    box = inbox(app, tenant)
    [late] = box["head@redbridge.example.org"][2:]
    assert _references(late.body) == {"DRIFT-31"}
    assert late.subject == "Drift escalated to Head of service: First looked-after review and 1 more (child DRIFT-31)"


def test_the_first_run_after_an_import_sends_each_person_a_summary(app, make_user):
    tenant, _ = _council(app, make_user)
    result = night(app, tenant, d(2027, 2, 16), *_thirty())
    assert result["escalations"] == 120  # 30 children, 2 drifts each, 2 steps each: all recorded
    box = inbox(app, tenant)
    assert {to: len(m) for to, m in box.items()} == {"head@redbridge.example.org": 1,
                                                     "deputy.head@redbridge.example.org": 1,
                                                     "tm@redbridge.example.org": 1}
    [mail] = box["head@redbridge.example.org"]
    assert mail.subject == "Drift on 30 children's plans reached you (Redbridge, 16 February 2027)"
    assert "30 children's drift reached you under Redbridge's terms of reference (60 milestones overdue)" in mail.body
    assert "http://127.0.0.1:5000/redbridge/tracker/drift" in mail.body
    assert _references(mail.body) == set() and NAME not in mail.body
    with app.app_context(), tenant_context(tenant.id):
        assert all(e.notified_list for e in db.session.execute(select(Escalation)).scalars())
    # The next night lists what newly reaches people (here: nothing new, so nothing).
    night(app, tenant, d(2027, 2, 17))
    assert {to: len(m) for to, m in inbox(app, tenant).items()} == {to: 1 for to in box}
