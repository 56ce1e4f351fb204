"""Issue 5's "done when": for each of the five seed councils, one full cycle through the JSON API,
driven only by the council's terms of reference: the panel's seats are filled, a child is referred
(or proposed by the part's cohort rule), quality-assured where the ToR asks for it, submitted and
booked; the agenda is published (members and presenters e-mailed with an iCalendar invitation); at
the meeting attendance is taken and the quorum checked, a member declares an interest and the chair
rules they leave the item (its papers close to them), the item's outcome, decision and SMART actions
are recorded (signed off by the named decision maker where the ToR says so), the minutes are
assembled, protected from a second editor's stale save, approved by the chair and circulated by the
ToR's deadline, and the child's decision record is issued.

The clock is frozen (time-machine) on fixed days of 2027, so every deadline is asserted as the date
the council's ToR sets: the sittings and deadlines below were checked by hand against each tor.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from permanence.cases.models import CarePeriod, CareProceedings, Child, LegalStatus, Placement
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.panels.services import generate_meetings
from permanence.referrals.rules import form_fields
from permanence.tor.services import current_tor
from tracker_support import load_seed

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Cycle:
    body: str
    part: str
    sitting: date
    deadlines: dict  # kind -> due date, as the ToR sets them for this sitting
    outcome: str
    refer_late_on: date | None = None  # a second referral made after the deadline (the late policy)
    extra: dict = field(default_factory=dict)


CYCLES = {
    # Wed 20 Jan 2027: referrals 5 working days before, agenda 2 working days before (17:00),
    # minutes within 5 working days. No quality assurance step; late referrals at the chair's discretion.
    "waltham-forest": Cycle("ptm", "tracking", date(2027, 1, 20),
                            {"referrals": date(2027, 1, 13), "agenda_circulation": date(2027, 1, 18),
                             "minutes": date(2027, 1, 27)},
                            outcome="actions-agreed", refer_late_on=date(2027, 1, 14)),
    # Tue 19 Jan 2027: papers 3 days before (Sat 16 -> Fri 15), record 5 days after (Sun 24 -> Fri 22),
    # minutes 5 working days after. The team manager quality-assures before submission.
    "permanence-panel-pptm": Cycle("permanence-panel", "plan-ratification", date(2027, 1, 19),
                                   {"papers": date(2027, 1, 15), "record": date(2027, 1, 22),
                                    "minutes": date(2027, 1, 26)},
                                   outcome="plan-ratified"),
    # Wed 20 Jan 2027: agenda and added items 3 working days before, minutes 5 working days after.
    "redbridge": Cycle("ptp", "family-and-friends", date(2027, 1, 20),
                       {"agenda_circulation": date(2027, 1, 15), "added_items": date(2027, 1, 15),
                        "minutes": date(2027, 1, 27)},
                       outcome="approve-family-and-friends-placement"),
    # First Friday, 5 Feb 2027: minutes within 3 working days. No referrals: the cohort rule proposes
    # the child; the outcome needs the senior manager's sign-off.
    "monthly-tracking-overview": Cycle("tracking-meeting", "permanency-tracking", date(2027, 2, 5),
                                       {"minutes": date(2027, 2, 10)}, outcome="senior-manager-decision"),
    # Wed 20 Jan 2027: papers a week before, minutes a week after.
    "knowsley": Cycle("permanency-panel", "matching-and-approval", date(2027, 1, 20),
                      {"papers": date(2027, 1, 13), "minutes": date(2027, 1, 27)}, outcome=None),
}


def _at(day: date, hour: int = 9):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, 0, tzinfo=LONDON), tick=False)


class Api:
    """The JSON API as one member sees it, through their personal token."""

    def __init__(self, client, slug, secret):
        self.client, self.base, self.headers = client, f"/{slug}/api/v1", {"Authorization": f"Bearer {secret}"}

    def call(self, method, path, expect=200, **kwargs):
        response = self.client.open(self.base + path, method=method, headers=self.headers, csrf=False, **kwargs)
        assert response.status_code == expect, (method, path, response.status_code, response.get_json())
        return response.get_json()

    def get(self, path, expect=200, **kw):
        return self.call("GET", path, expect, **kw)

    def post(self, path, json=None, expect=200, **kw):
        return self.call("POST", path, expect, json=json if json is not None else {}, **kw)

    def put(self, path, json, expect=200):
        return self.call("PUT", path, expect, json=json)

    def patch(self, path, json, expect=200):
        return self.call("PATCH", path, expect, json=json)


def _child(case, team_id, sw, tm, iro):
    """Looked after since 2 Nov 2026 under an ICO, proceedings issued, placement not yet approved as
    permanent: in the cohort of every council's tracking parts."""
    child = Child(case_number=case, first_name="Fictional", last_name=case.title().replace("-", ""),
                  date_of_birth=date(2022, 6, 1), team_id=team_id, social_worker_id=sw, team_manager_id=tm,
                  iro_id=iro)
    child.care_periods.append(CarePeriod(start=date(2026, 11, 2), category_of_need="N1"))
    child.legal_statuses.append(LegalStatus(code="C1", start=date(2026, 11, 2)))
    child.placements.append(Placement(place="U1", provider="PR1", start=date(2026, 11, 2)))
    child.proceedings.append(CareProceedings(issued_on=date(2026, 11, 2), court_reference="FICT-9"))
    return child


def _answers(body, part_id, people):
    """An answer to every question of the ToR's referral form for the part."""
    answers = {}
    for f in form_fields(body, part_id):
        answers[f.id] = {"date": "2027-01-05", "number": "2", "yes_no": "yes", "choice": (f.options or ("",))[0],
                         "choices": list(f.options[:1]), "person": people["sw"]}.get(
            f.type, "Fictional answer for the panel")
    return answers


def _setup(app, slug, make_team, make_user, make_token, client):
    cycle = CYCLES[slug]
    tenant = load_seed(app, slug)
    team = make_team(tenant)
    people = {}
    for name, roles in {"sw": ["social_worker"], "tm": ["team_manager"], "admin": ["panel_administrator"],
                        "senior": ["senior_manager"], "vice": ["vice_chair"], "outsider": ["social_worker"]}.items():
        people[name] = make_user(tenant, roles, team=team if name in ("sw", "tm") else None,
                                 email=f"{name}@{slug}.example.org", name=f"Fictional {name.title()}")
    with app.app_context(), tenant_context(tenant.id):
        tor = current_tor(tenant.id)
        body = tor.body(cycle.body)
        seat_users = []
        for index, seat in enumerate(body.membership.seats):
            access = tor.roles[seat.role].access_role
            roles = [access, "chair"] if index == 0 else [access]
            seat_users.append(make_user(tenant, roles, email=f"seat{index}@{slug}.example.org",
                                        name=f"Fictional Seat{index}"))
        generate_meetings(tenant.id, date(2027, 1, 6))
        child = _child(f"CYCLE-{slug[:3].upper()}", team.id, people["sw"].id, people["tm"].id, None)
        late_child = _child(f"LATE-{slug[:3].upper()}", team.id, people["sw"].id, people["tm"].id, None)
        db.session.add_all([child, late_child])
        jobs.commit()
        child_ids = (child.id, late_child.id)
    api = {name: Api(client, slug, make_token(tenant, user)[1]) for name, user in people.items()}
    api["chair"] = Api(client, slug, make_token(tenant, seat_users[0])[1])
    api["member"] = Api(client, slug, make_token(tenant, seat_users[-1])[1])
    ids = {name: user.id for name, user in people.items()}
    ids["seats"] = [u.id for u in seat_users]
    return tenant, cycle, body, api, ids, child_ids


def _emails(app, tenant, since_id=0):
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(EmailMessage).where(EmailMessage.id > since_id)
                                  .order_by(EmailMessage.id)).scalars().all()


@pytest.mark.parametrize("slug", list(CYCLES))
def test_a_full_cycle_through_the_api(app, client, make_team, make_user, make_token, work_jobs, slug):
    with _at(date(2027, 1, 6)):
        tenant, cycle, body, api, ids, (child_id, late_child_id) = _setup(app, slug, make_team, make_user,
                                                                         make_token, client)
        work_jobs()  # the children's milestones and cohorts (RQ when Redis is configured)
        admin, sw, tm, chair = api["admin"], api["sw"], api["tm"], api["chair"]

        # The panel's seats, from the ToR's membership.
        seats = admin.get(f"/bodies/{cycle.body}/seats")
        assert len(seats["tor_seats"]) == len(body.membership.seats)
        for index, user_id in enumerate(ids["seats"]):
            admin.post(f"/bodies/{cycle.body}/seats", {"user_id": user_id, "seat": index}, expect=201)

        # The sitting and every deadline, as the ToR sets them.
        meetings = admin.get(f"/meetings?body_id={cycle.body}")
        meeting_id = next(m["id"] for m in meetings if m["date"] == cycle.sitting.isoformat())
        meeting = admin.get(f"/meetings/{meeting_id}")
        assert {d["kind"]: d["due"] for d in meeting["deadlines"]} == {
            k: v.isoformat() for k, v in cycle.deadlines.items()}

        # Refer (answering the ToR's form), quality-assure where the ToR asks, submit, book; or, where the
        # part takes no referrals, accept the cohort rule's proposal.
        part = body.part(cycle.part)
        if "referral" in part.entry_routes:
            referral = sw.post("/referrals", {"meeting_id": meeting_id, "part_id": cycle.part, "child_id": child_id,
                                              "answers": _answers(body, cycle.part, ids),
                                              "reason": "The plan needs the panel's agreement"}, expect=201)
            assert referral["status"] == "draft"
            item_id = referral["id"]
            if body.referral.quality_assurance_by:
                assert sw.post(f"/referrals/{item_id}/send-for-qa")["status"] == "awaiting_qa"
                sw.post(f"/referrals/{item_id}/submit", {"comments": ""}, expect=403)  # only the team manager
                submitted = tm.post(f"/referrals/{item_id}/submit", {"comments": "Quality assured"})
            else:
                submitted = sw.post(f"/referrals/{item_id}/submit", {"comments": ""})
            assert (submitted["status"], submitted["late"]) == ("submitted", False)
            assert admin.post(f"/referrals/{item_id}/book")["status"] == "booked"
        else:
            proposed = admin.post(f"/meetings/{meeting_id}/proposals/refresh")
            item_id = next(p["id"] for p in proposed if p["child_id"] == child_id)
            assert admin.post(f"/referrals/{item_id}/accept")["status"] == "booked"

        # The papers the ToR asks for: each required item uploaded for the booked item.
        paperwork = [p for p in body.paperwork_for(cycle.part) if p.required]
        for paper in paperwork:
            sw.call("POST", "/papers/", 201, data={
                "subject_type": "agenda_item", "subject_id": str(item_id), "paperwork_id": paper.id,
                "file": (__import__("io").BytesIO(f"{paper.label} (fictional)".encode()), f"{paper.id}.txt")})
        agenda = admin.get(f"/meetings/{meeting_id}/agenda")
        (row,) = [i for part_row in _items(agenda) for i in [part_row] if i["id"] == item_id]
        assert row["paperwork"]["complete"] is True

        # Publish: members and presenters are told, with an iCalendar invitation.
        admin.patch(f"/agenda-items/{item_id}", {"presenter_id": ids["sw"]})
        before = _emails(app, tenant)
        last = before[-1].id if before else 0
        admin.post(f"/meetings/{meeting_id}/agenda/publish")
        sent = _emails(app, tenant, last)
        told = {m.to_address for m in sent}
        assert f"sw@{slug}.example.org" in told
        assert {f"seat{i}@{slug}.example.org" for i in range(len(ids["seats"]))} <= told
        # A seat the ToR does not require for the item's part is told so, with no invitation (Knowsley's
        # adoption team manager for part 2).
        invited = [m for m in sent if "you are not required" not in m.subject]
        assert all(m.calendar and "BEGIN:VCALENDAR" in m.calendar for m in invited)
        assert len(sent) - len(invited) == sum(not s.sits_for(cycle.part) for s in body.membership.seats)
        # A partner agency's member reads the papers through the platform.
        member = api["member"]
        papers = member.get(f"/papers/?subject_type=agenda_item&subject_id={item_id}")
        assert len(papers) == len(paperwork)

    if cycle.refer_late_on:
        with _at(cycle.refer_late_on):
            late = sw.post("/referrals", {"meeting_id": meeting_id, "part_id": cycle.part, "child_id": late_child_id,
                                          "answers": _answers(body, cycle.part, ids),
                                          "reason": "A late referral"}, expect=201)
            ruled = sw.post(f"/referrals/{late['id']}/submit", {"comments": "", "late_reason": "Court date moved"})
            assert (ruled["status"], ruled["late"]) == ("late_pending", True)  # chair's discretion
            accepted = chair.post(f"/referrals/{late['id']}/late-ruling", {"accept": True,
                                                                           "ruling": "Urgent: court date"})
            assert (accepted["status"], accepted["late"]) == ("submitted", True)

    with _at(cycle.sitting, 10):
        # Attendance and quorum.
        seated = chair.get(f"/meetings/{meeting_id}/attendance")  # the seats, before attendance is taken
        assert seated["recorded"] is False
        assert sorted(r["user_id"] for r in seated["attendance"]) == sorted(ids["seats"])
        taken = chair.put(f"/meetings/{meeting_id}/attendance", {"attendance": [
            {"user_id": r["user_id"], "role": r["role"], "title": r["title"], "status": "present"}
            for r in seated["attendance"]]})
        assert taken["quorum"]["met"] is True, taken["quorum"]
        # A declaration of interest; the chair rules the member leaves the item, and its papers close to them.
        declared = member.post(f"/meetings/{meeting_id}/declarations",
                               {"agenda_item_id": item_id, "interest": "Knows the child's family"}, expect=201)
        chair.post(f"/declarations/{declared['id']}/ruling", {"ruling": "leave"})
        member.get(f"/papers/?subject_type=agenda_item&subject_id={item_id}", expect=403)

        # The record of the item: outcome from the ToR's list, decision, next review, actions.
        outcome = cycle.outcome or body.outcomes[0].id
        record = chair.put(f"/agenda-items/{item_id}/record", {
            "discussion": "The panel heard the social worker's update.", "care_plan_confirmed": True,
            "legal_status_confirmed": True, "outcome_id": outcome,
            "decision": "The plan is agreed as presented.", "next_review_on": "2027-03-17", "escalate": False})
        assert record["status"] == "heard"
        wrong = chair.put(f"/agenda-items/{item_id}/record", {"outcome_id": "not-an-outcome"}, expect=422)
        assert "outcome_id" in str(wrong)
        needs = next(o for o in body.outcomes if o.id == outcome).requires_sign_off_by
        if needs:
            assert record["sign_off"] == "awaiting"
            api["senior"].post(f"/agenda-items/{item_id}/sign-off", {"agree": True, "note": "Agreed"})
        action = chair.post(f"/agenda-items/{item_id}/actions", {
            "description": "Send the updated care plan to the IRO", "owner_id": ids["sw"],
            "due_on": "2027-02-26"}, expect=201)
        mine = sw.get("/actions?mine=true")
        assert [a["id"] for a in mine] == [action["id"]]

        # Minutes: assembled from the record; the vice chair and the chair both edit the draft: the second
        # save, made on the revision both read, is a conflict that shows the first, never an overwrite.
        draft = admin.post(f"/meetings/{meeting_id}/minutes/assemble")
        assert "The plan is agreed as presented." in draft["text"]
        vice = api["vice"]
        saved = vice.put(f"/meetings/{meeting_id}/minutes", {"text": draft["text"] + "\nVice chair's correction.",
                                                             "revision": draft["revision"]})
        conflict = chair.put(f"/meetings/{meeting_id}/minutes", {"text": "Chair's rewrite",
                                                                 "revision": draft["revision"]}, expect=409)
        assert "Vice chair's correction." in str(conflict)
        kept = admin.get(f"/meetings/{meeting_id}/minutes")
        assert "Vice chair's correction." in kept["text"] and "Chair's rewrite" not in kept["text"]
        approved = chair.post(f"/meetings/{meeting_id}/minutes/approve", {"revision": saved["revision"]})
        assert approved["status"] == "approved"

    with _at(cycle.deadlines["minutes"]):
        circulated = admin.post(f"/meetings/{meeting_id}/minutes/circulate")
        assert circulated["status"] == "circulated"
        assert circulated.get("overdue") in (None, False)
        record = sw.get(f"/agenda-items/{item_id}/decision-record")
        assert record["decision"] == "The plan is agreed as presented."
        assert api["outsider"].get(f"/agenda-items/{item_id}/decision-record", expect=403)


def _items(agenda):
    """Every item of an agenda response, whatever its grouping by part."""
    if isinstance(agenda, dict) and "parts" in agenda:
        return [item for part in agenda["parts"] for item in part["items"]]
    return agenda["items"] if isinstance(agenda, dict) else agenda
