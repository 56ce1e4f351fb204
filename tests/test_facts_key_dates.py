"""More facts and events (issue 14, item 4): each defined once with where it comes from, computed
from crafted children with exact dates, read in English in cohort rules, and key dates recorded on
the child's page that a timescale then counts from.

Today is Monday 1 March 2027 in the page tests.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from permanence.cases.facts import child_events, child_facts
from permanence.cases.models import (CarePeriod, CareProceedings, Child, ChildFlag, KeyDate, LegalStatus,
                                     PermanencePlan, Placement)
from permanence.tor import compute_milestones, evaluate, explain, load_tor, load_tor_from_text
from permanence.tor.loader import TorConfigError
from permanence.tor.rules import parse_rule
from permanence.tor.vocabulary import EVENT_DEFINITIONS, EVENT_SOURCES, EVENTS, FACTS, RECORDABLE_EVENTS

d = date
ON = d(2026, 11, 24)
TODAY = d(2027, 3, 1)
REPO = Path(__file__).resolve().parents[1]


def _child(case="X", born=d(2015, 1, 1), *, status=None, s20_entry=None, entered=d(2026, 11, 1), flags=(),
           keys=(), plans=(), placement=None, proceedings=()):
    c = Child(case_number=case, first_name="Fictional", last_name=case, date_of_birth=born)
    if entered is not None:
        c.care_periods.append(CarePeriod(start=entered))
    if status is not None:
        c.legal_statuses.append(LegalStatus(code=status, start=entered or d(2026, 11, 1), s20_entry=s20_entry))
    if placement is not None:
        place, permanent = placement
        c.placements.append(Placement(place=place, start=entered, approved_as_permanent=permanent,
                                      approved_permanent_on=entered if permanent else None))
    c.flags.extend(ChildFlag(flag=f, start=s, end=e) for f, s, e in flags)
    c.key_dates.extend(KeyDate(event=e, happened_on=h) for e, h in keys)
    c.plans.extend(PermanencePlan(route=r, kind="primary", agreed_on=a, agreed_at="review") for r, a in plans)
    c.proceedings.extend(CareProceedings(issued_on=i, concluded_on=cc, outcome=o) for i, cc, o in proceedings)
    return c


# --- One definition per fact and event, with its source ------------------------------------------

def test_every_fact_and_event_says_where_it_comes_from():
    assert all(f.source for f in FACTS.values())
    assert all(e.source for e in EVENT_DEFINITIONS.values())
    assert EVENTS["adm_decision"] == "the agency decision maker's should-be-placed decision"
    assert EVENT_SOURCES["adm_decision"].startswith("recorded on the child's page")
    assert {"adm_decision", "match", "family_finding_started", "sgo_application_made", "adoption_application_made",
            "plan_endorsed_by_panel", "funding_agreed"} <= set(RECORDABLE_EVENTS)
    assert FACTS["s20_entry"].source.startswith("the child's record")
    assert FACTS["legal_status"].source.startswith("SSDA903 Episodes")


# --- The new facts, exact dates --------------------------------------------------------------------

def test_time_on_a_child_protection_plan():
    c = _child(entered=None, flags=[("child_protection_plan", d(2026, 5, 10), None)])
    assert child_facts(c, ON)["months_on_child_protection_plan"] == 6
    assert child_facts(c, d(2026, 11, 9))["months_on_child_protection_plan"] == 5
    assert child_facts(c, d(2026, 5, 9))["months_on_child_protection_plan"] is None  # not on one yet
    assert child_events(c)["child_protection_plan_started"] == d(2026, 5, 10)
    ended = _child(entered=None, flags=[("child_protection_plan", d(2026, 1, 5), d(2026, 9, 1))])
    assert child_facts(ended, ON)["months_on_child_protection_plan"] is None
    rule = parse_rule({"fact": "months_on_child_protection_plan", "gt": 6})
    assert explain(rule) == "the child has been on a child protection plan for more than 6 months"
    assert not evaluate(rule, child_facts(c, ON))
    assert evaluate(rule, child_facts(c, d(2026, 12, 10)))  # 7 months on 10 December
    assert not evaluate(rule, child_facts(ended, ON))  # not on a plan: never selected by the number


def test_section_20_entry_and_remand():
    emergency = _child(status="V2", s20_entry="emergency")
    assert child_facts(emergency, ON)["s20_entry"] == "emergency"
    planned = _child(status="V2", s20_entry="planned")
    assert child_facts(planned, ON)["s20_entry"] == "planned"
    # When the status changes to an ICO the s20 fact no longer applies.
    emergency.legal_statuses[0].end = d(2026, 11, 20)
    emergency.legal_statuses.append(LegalStatus(code="C1", start=d(2026, 11, 20)))
    assert child_facts(emergency, ON)["s20_entry"] is None
    assert child_facts(emergency, d(2026, 11, 19))["s20_entry"] == "emergency"
    remanded = _child(status="J1")
    assert child_facts(remanded, ON)["remanded"] is True
    assert child_facts(planned, ON)["remanded"] is False
    assert explain(parse_rule({"fact": "s20_entry", "eq": "emergency"})) == (
        "the child's section 20 accommodation began in an emergency")
    assert explain(parse_rule({"not": {"fact": "s20_entry", "eq": "emergency"}})) == (
        "the child's section 20 accommodation did not begin in an emergency")
    assert explain(parse_rule({"all": [{"fact": "remanded", "eq": True},
                                       {"fact": "flags", "contains": "plan_to_become_looked_after"}]})) == (
        "the child is remanded and the child is planned to become looked after (for example when a remand ends)")


def test_final_order_made_new_admission_and_plan_recorded():
    c = _child(status="C1", proceedings=[(d(2026, 11, 2), d(2027, 2, 15), "care_order")])
    assert child_facts(c, ON)["final_order_made"] is False
    assert child_facts(c, d(2027, 2, 14))["final_order_made"] is False
    assert child_facts(c, d(2027, 2, 15))["final_order_made"] is True
    withdrawn = _child(status="C1", proceedings=[(d(2026, 11, 2), d(2027, 2, 15), "withdrawn")])
    assert child_facts(withdrawn, d(2027, 3, 1))["final_order_made"] is False
    # Entered care on Sun 1 Nov 2026: 23 days on 24 November, 0 on the day.
    assert child_facts(c, ON)["days_in_care"] == 23
    assert child_facts(c, d(2026, 11, 1))["days_in_care"] == 0
    assert child_facts(_child(entered=None), ON)["days_in_care"] is None
    new_admission = parse_rule({"fact": "days_in_care", "lte": 28})
    assert explain(new_admission) == "the child has been in care for at most 28 days"
    assert evaluate(new_admission, child_facts(c, d(2026, 11, 29))) and not evaluate(
        new_admission, child_facts(c, d(2026, 11, 30)))
    assert child_facts(c, ON)["permanence_plan_recorded"] is False
    planned = _child(plans=[("adoption", d(2026, 11, 20))])
    assert child_facts(planned, ON)["permanence_plan_recorded"] is True
    assert child_facts(planned, d(2026, 11, 19))["permanence_plan_recorded"] is False
    no_plan = parse_rule({"fact": "permanence_plan_recorded", "eq": False})
    assert explain(no_plan) == "the child is not recorded as having a permanence plan"
    assert explain(parse_rule({"not": {"fact": "permanence_plan_recorded", "eq": True}})) == (
        "the child is not recorded as having a permanence plan")
    assert evaluate(no_plan, child_facts(c, ON)) and not evaluate(no_plan, child_facts(planned, ON))


def test_permanent_placement_required():
    adoption = _child(placement=("U6", False), plans=[("adoption", d(2026, 11, 10))])
    assert child_facts(adoption, ON)["permanent_placement_required"] is True
    assert child_facts(adoption, d(2026, 11, 9))["permanent_placement_required"] is False  # no plan yet
    settled = _child(placement=("U4", True), plans=[("long_term_fostering", d(2026, 11, 10))])
    assert child_facts(settled, ON)["permanent_placement_required"] is False
    home = _child(placement=("U6", False), plans=[("return_to_family", d(2026, 11, 10))])
    assert child_facts(home, ON)["permanent_placement_required"] is False
    decided = _child(placement=("U6", False), plans=[("return_to_family", d(2026, 11, 10))],
                     keys=[("permanent_placement_decided", d(2026, 11, 20))])
    assert child_facts(decided, ON)["permanent_placement_required"] is True
    assert explain(parse_rule({"fact": "permanent_placement_required", "eq": True})) == (
        "a permanent placement is required for the child")


def test_key_dates_are_events_and_steps():
    c = _child(keys=[("adm_decision", d(2026, 10, 1)), ("family_finding_started", d(2026, 10, 20)),
                     ("match", d(2026, 11, 20)), ("sgo_application_made", d(2026, 12, 1))])
    events = child_events(c, ON)
    assert (events["adm_decision"], events["family_finding_started"], events["match"]) == (
        d(2026, 10, 1), d(2026, 10, 20), d(2026, 11, 20))
    assert "sgo_application_made" not in events  # after the day asked about
    assert child_events(c)["sgo_application_made"] == d(2026, 12, 1)
    assert child_facts(c, ON)["steps_recorded"] == ["adm_decision", "family_finding_started", "match"]
    # Recorded twice: the latest date counts.
    c.key_dates.append(KeyDate(event="adm_decision", happened_on=d(2026, 10, 15)))
    assert child_events(c, ON)["adm_decision"] == d(2026, 10, 15)
    rule = parse_rule({"fact": "steps_recorded", "not_contains": "family_finding_started"})
    assert explain(rule) == "the child's record does not show that family finding began"
    assert explain(parse_rule({"fact": "steps_recorded", "contains": "sgo_application_made"})) == (
        "the child's record shows that a special guardianship order application was made")
    assert not evaluate(rule, child_facts(c, ON)) and evaluate(rule, child_facts(c, d(2026, 10, 19)))


# --- A cohort over s20 children ---------------------------------------------------------------------

S20_CHILDREN = {
    "S20-EMERGENCY": _child("S20-EMERGENCY", status="V2", s20_entry="emergency"),
    "S20-PLANNED": _child("S20-PLANNED", status="V2", s20_entry="planned"),
    "S20-UNRECORDED": _child("S20-UNRECORDED", status="V2"),
    "CARE-ORDER": _child("CARE-ORDER", status="C2"),
    "REMANDED": _child("REMANDED", status="J1"),
}

MINIMAL = """\
council:
  name: Test Council
bodies:
  - id: panel
    kind: panel
    name: Test Panel
    cadence:
      rrule: FREQ=WEEKLY;INTERVAL=2;BYDAY=WE
      anchor: 2027-01-06
      start_time: "14:00"
      end_time: "17:00"
    membership:
      chairs: [{role: chair}]
      members:
        - {role: team-manager}
        - {role: social-worker}
"""


def _with_part(cohort: str) -> str:
    return MINIMAL + f"""\
    agenda_parts:
      - id: s20
        title: Section 20
        cohort: {cohort}
        entry_routes: [cohort_rule]
"""


def _selected(tor, part_id) -> set[str]:
    part = next(p for body in tor.bodies for p in body.agenda_parts if p.id == part_id)
    return {case for case, c in S20_CHILDREN.items() if evaluate(part.cohort, child_facts(c, ON))}


def test_a_cohort_on_s20_emergencies_selects_exactly_them():
    tor = load_tor_from_text(_with_part(
        "{all: [{fact: legal_status, in: [V2]}, {fact: s20_entry, eq: emergency}]}"))
    assert _selected(tor, "s20") == {"S20-EMERGENCY"}
    tor = load_tor_from_text(_with_part("{all: [{fact: legal_status, in: [V2]}, {fact: s20_entry, ne: emergency}]}"))
    assert _selected(tor, "s20") == {"S20-PLANNED"}  # not recorded is never selected by a comparison


def test_seed_001_monitors_the_use_of_s20():
    tor = load_tor(REPO / "tenants" / "permanence-panel-pptm")
    assert _selected(tor, "section-20") == {"S20-EMERGENCY", "S20-PLANNED", "S20-UNRECORDED"}
    part = next(p for p in tor.bodies[0].agenda_parts if p.id == "section-20")
    assert part.source == "2.1 Purpose and Intended Outcomes"
    assert explain(part.cohort) == "legal status is V2 (section 20 accommodation)"


def _errors(text):
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(text, "tenants/test/tor.yaml")
    return [(e.line, e.dotted_path, e.message) for e in caught.value.errors]


def test_an_unknown_value_of_a_new_fact_is_refused_with_its_line():
    [(line, path, message)] = _errors(_with_part("{fact: s20_entry, eq: urgent}"))
    assert line == 20 and path.startswith("bodies[0].agenda_parts[0].cohort")
    assert message == "unknown value 'urgent' for s20_entry; allowed: emergency, planned"
    [(line, path, message)] = _errors(_with_part("{fact: steps_recorded, contains: adm_decison}"))
    assert line == 20 and "unknown value 'adm_decison' for steps_recorded" in message


def test_an_unknown_event_is_refused_with_its_line():
    [(line, path, message)] = _errors(MINIMAL + """\
timescales:
  - id: t
    label: T
    event: adm_decison
    offset: {months: 3}
    completed_by: match
""")
    assert (line, path) == (20, "timescales[0].event")
    assert "adm_decison" in message


# --- Key dates on the child's page ---------------------------------------------------------------

ADM_TOR = MINIMAL + """\
statutory_timescales: {inherit: false}
timescales:
  - id: match-after-adm
    label: Matched within 3 months of the agency decision
    due: {event: adm_decision, offset: {months: 3}}
    completed_by: match
    source: 5. Timescales
"""


@pytest.fixture
def adm_council(app, tenant_a, make_user, make_child, in_tenant, travel):
    from permanence.tor import services

    travel(TODAY)
    with in_tenant(tenant_a):
        services.store_version(tenant_a.id, ADM_TOR, loaded_by="cli", activate=True)
    admin = make_user(tenant_a, ["panel_administrator"])
    c = make_child(tenant_a, date_of_birth=d(2024, 6, 1))
    with in_tenant(tenant_a) as session:
        session.add(CarePeriod(child_id=c.id, start=d(2026, 10, 5)))
        session.add(LegalStatus(child_id=c.id, code="E1", start=d(2026, 10, 5)))
    return c, admin


def _milestone(in_tenant, tenant, child_id):
    from permanence.tracker.models import Milestone

    with in_tenant(tenant) as session:
        m = session.execute(select(Milestone).where(Milestone.child_id == child_id)).scalar_one()
        return {"status": m.status, "due": m.due, "anchor_event": m.anchor_event, "achieved": m.achieved}


def test_a_timescale_on_the_adm_decision_waits_until_it_is_recorded_on_the_childs_page(
        client, login, adm_council, tenant_a, in_tenant, work_jobs):
    c, admin = adm_council
    work_jobs()
    m = _milestone(in_tenant, tenant_a, c.id)
    assert (m["status"], m["due"]) == ("waiting", None)
    login(admin)
    page = client.get(f"/{tenant_a.slug}/children/{c.id}").get_data(as_text=True)
    assert "Record a key date" in page and "No key dates recorded." in page
    # Recorded on Wed 17 Feb 2027: due 3 months later, Mon 17 May 2027.
    response = client.post(f"/{tenant_a.slug}/children/{c.id}/key-dates",
                           data={"event": "adm_decision", "happened_on": "2027-02-17", "note": "ADM letter sent"})
    assert response.status_code == 302
    work_jobs()
    m = _milestone(in_tenant, tenant_a, c.id)
    assert (m["status"], m["due"], m["anchor_event"]) == ("upcoming", d(2027, 5, 17), "adm_decision")
    page = client.get(f"/{tenant_a.slug}/children/{c.id}").get_data(as_text=True)
    assert "The agency decision maker&#39;s should-be-placed decision" in page and "17 Feb 2027" in page
    assert "ADM letter sent" in page and admin.name in page
    with in_tenant(tenant_a) as session:
        [row] = session.execute(select(KeyDate)).scalars().all()
        assert (row.recorded_by_id, row.source) == (admin.id, "recorded on the child's page")
        from permanence.audit.models import AuditEvent
        assert session.execute(select(AuditEvent).where(AuditEvent.entity_type == "KeyDate",
                                                        AuditEvent.action == "create")).scalars().first()
    # The match, recorded today, meets it.
    client.post(f"/{tenant_a.slug}/children/{c.id}/key-dates", data={"event": "match", "happened_on": "2027-03-01"})
    work_jobs()
    m = _milestone(in_tenant, tenant_a, c.id)
    assert (m["status"], m["achieved"]) == ("achieved", d(2027, 3, 1))


@pytest.mark.parametrize("data, message", [
    ({"event": "", "happened_on": "2027-02-17"}, "Choose what happened"),
    ({"event": "adm_decison", "happened_on": "2027-02-17"},
     "&#39;adm_decison&#39; is not an event recorded on the child&#39;s page; choose one of the list"),
    ({"event": "entered_care", "happened_on": "2027-02-17"}, "&#39;entered_care&#39; is not an event recorded"),
    ({"event": "match", "happened_on": ""}, "Enter the date it happened"),
    ({"event": "match", "happened_on": "2027-02-30"}, "Enter a real date, for example 2027-03-17"),
    ({"event": "match", "happened_on": "2027-03-02"},
     "The date it happened cannot be in the future (today is 1 March 2027)"),
    ({"event": "match", "happened_on": "2020-01-01"}, "cannot be before the child&#39;s birth on 1 June 2024"),
    ({"event": "match", "happened_on": "2027-02-17", "note": "x" * 501}, "The note must be 500 characters or fewer"),
])
def test_the_key_date_form_refuses_bad_input_with_a_clear_message(client, login, adm_council, tenant_a, in_tenant,
                                                                  data, message):
    c, admin = adm_council
    login(admin)
    response = client.post(f"/{tenant_a.slug}/children/{c.id}/key-dates", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    with in_tenant(tenant_a) as session:
        assert session.execute(select(KeyDate)).scalars().all() == []


def test_the_same_key_date_twice_is_refused(client, login, adm_council, tenant_a):
    c, admin = adm_council
    login(admin)
    data = {"event": "funding_agreed", "happened_on": "2027-02-17"}
    assert client.post(f"/{tenant_a.slug}/children/{c.id}/key-dates", data=data).status_code == 302
    response = client.post(f"/{tenant_a.slug}/children/{c.id}/key-dates", data=data)
    assert response.status_code == 400
    assert "A funding request was agreed is already recorded on 17 February 2027" in response.get_data(as_text=True)


def test_roles_without_edit_rights_may_not_record(client, login, adm_council, tenant_a, make_user, in_tenant):
    c, _ = adm_council
    # A senior manager sees every child's record but changes none of it.
    login(make_user(tenant_a, ["senior_manager"]))
    page = client.get(f"/{tenant_a.slug}/children/{c.id}")
    assert page.status_code == 200
    assert "Record a key date" not in page.get_data(as_text=True) and "No key dates recorded." in page.get_data(
        as_text=True)
    for path, data in (("key-dates", {"event": "match", "happened_on": "2027-02-17"}),
                       ("circumstances", {"flag": "child_protection_plan", "start": "2027-02-01"}),
                       ("legal-statuses", {"code": "V2", "start": "2027-02-01", "s20_entry": "emergency"})):
        assert client.post(f"/{tenant_a.slug}/children/{c.id}/{path}", data=data).status_code == 403
    with in_tenant(tenant_a) as session:
        assert session.execute(select(KeyDate)).scalars().all() == []


def test_circumstances_and_s20_entry_recorded_on_the_childs_page(client, login, adm_council, tenant_a, in_tenant):
    c, admin = adm_council
    login(admin)
    response = client.post(f"/{tenant_a.slug}/children/{c.id}/circumstances",
                           data={"flag": "child_protection_plan", "start": "2026-08-03"})
    assert response.status_code == 302
    bad = client.post(f"/{tenant_a.slug}/children/{c.id}/circumstances",
                      data={"flag": "in_proceedings", "start": "2026-08-03"})
    assert bad.status_code == 400 and "is not a circumstance recorded on the child&#39;s page" in bad.get_data(
        as_text=True)
    bad = client.post(f"/{tenant_a.slug}/children/{c.id}/circumstances",
                      data={"flag": "unaccompanied", "start": "2026-08-03", "end": "2026-08-01"})
    assert bad.status_code == 400 and "The date it ended must be after the date it began" in bad.get_data(as_text=True)
    bad = client.post(f"/{tenant_a.slug}/children/{c.id}/legal-statuses",
                      data={"code": "C2", "start": "2027-02-01", "s20_entry": "emergency"})
    assert bad.status_code == 400 and "Say how accommodation began only for section 20 (V2)" in bad.get_data(
        as_text=True)
    assert client.post(f"/{tenant_a.slug}/children/{c.id}/legal-statuses",
                       data={"code": "v2", "start": "2027-02-01", "s20_entry": "emergency"}).status_code == 302
    page = client.get(f"/{tenant_a.slug}/children/{c.id}").get_data(as_text=True)
    assert "V2: Section 20 accommodation, began in an emergency" in page
    assert "Subject to a child protection plan" in page
    with in_tenant(tenant_a) as session:
        child = session.get(Child, c.id)
        facts = child_facts(child, TODAY)
        assert (facts["s20_entry"], facts["months_on_child_protection_plan"]) == ("emergency", 6)


def test_the_tor_page_lists_the_facts_and_events_with_their_sources(client, login, tenant_a, make_user, in_tenant):
    from permanence.tor import services

    with in_tenant(tenant_a):
        services.store_version(tenant_a.id, ADM_TOR, loaded_by="cli", activate=True)
    login(make_user(tenant_a, ["tenant_admin"]))
    page = client.get(f"/{tenant_a.slug}/terms-of-reference/propose").get_data(as_text=True)
    assert "Facts and events a rule can use, and where each comes from" in page
    assert "<code>months_on_child_protection_plan</code>" in page and "<code>adm_decision</code>" in page
    assert "recorded on the child&#39;s page (key dates)" in page


def test_a_disruption_is_an_event_a_meeting_held_once_counts_from():
    """'A strategy meeting within 5 working days of a permanent placement disrupting': the start of
    the circumstance recorded on the child's record is the event; Fri 30 Apr 2027 + 5 working days
    (May Day Mon 3 May is not one) is Mon 10 May."""
    c = _child(flags=[("disrupted_permanent_placement", d(2027, 4, 30), None)])
    assert child_events(c)["placement_disrupted"] == d(2027, 4, 30)
    assert "placement_disrupted" not in child_events(c, d(2027, 4, 29))
    tor = load_tor_from_text((REPO / "tests" / "data" / "tor" / "west-marsh" / "tor.yaml").read_text().replace(
        "      - id: until-planned\n",
        "      - id: after-disruption\n        once: true\n        within: {working_days: 5}\n"
        "        after: placement_disrupted\n      - id: until-planned\n", 1))
    rule = next(t for t in tor.timescales if t.id == "planning-meeting-after-disruption")
    [m] = compute_milestones([rule], child_facts(c, d(2027, 5, 4)), child_events(c, d(2027, 5, 4)), d(2027, 5, 4))
    assert (m.due, m.status) == (d(2027, 5, 10), "due_soon")
    assert rule.describe() == "5 working days after the permanent placement disrupted"
