"""Loading tor.yaml: the five seeds validate, and every malformed config is rejected precisely."""

import hashlib
from pathlib import Path

import pytest

from permanence.tor import TorConfigError, load_tor, load_tor_from_text
from permanence.tor.vocabulary import CORE_ROLES

TENANTS_DIR = Path(__file__).resolve().parents[2] / "tenants"
SLUGS = ("waltham-forest", "permanence-panel-pptm", "redbridge", "monthly-tracking-overview", "knowsley")

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


def _errors(text, filename="tenants/test/tor.yaml"):
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(text, filename)
    return caught.value.errors


@pytest.mark.parametrize("slug", SLUGS)
def test_each_seed_tenant_validates(slug):
    tor = load_tor(TENANTS_DIR / slug)
    source = (TENANTS_DIR / slug / "tor.yaml").read_bytes()
    assert tor.checksum == hashlib.sha256(source).hexdigest()
    assert tor.bodies and tor.council.name


@pytest.mark.parametrize("slug", SLUGS)
def test_every_rule_bearing_element_names_its_source(tenants, slug):
    tor = tenants[slug]
    for body in tor.bodies:
        assert body.source
        for item in (*body.agenda_parts, *body.deadlines, *body.outcomes, *body.per_child_cadence):
            assert item.source, f"{slug} {body.id} {item}"
        if body.cadence:
            assert body.cadence.source
    for rule in tor.timescales:
        assert rule.source, rule.id


def test_seed_details_a_council_officer_would_check(tenants):
    pptm = tenants["permanence-panel-pptm"]
    assert pptm.council.case_record_system == "FWi"
    assert [b.kind for b in pptm.bodies] == ["panel", "tracking_meeting"]
    assert [o.label for o in pptm.body("pptm").outcomes] == [
        "Review again at PPTM", "Present at Permanence Panel", "No further review needed"]
    assert pptm.body("pptm").outcomes[1].refers_to_body == "permanence-panel"
    assert pptm.body("permanence-panel").referral.quality_assurance_by == "team-manager"
    redbridge = tenants["redbridge"]
    assert redbridge.body("ptp").record.includes == (
        "Notes of discussion", "Confirmation of the care plan and legal status",
        "Agreed decisions and recommended action")
    assert redbridge.role("managing-director").access_role == "senior_manager"
    knowsley = tenants["knowsley"]
    # "Reviewed October 2024", yearly: due at the end of October 2025, not on its first day.
    assert knowsley.council.last_reviewed_words == "October 2024"
    assert knowsley.council.review_due.isoformat() == "2025-10-31"
    panel = knowsley.body("permanency-panel")
    part1 = {s.title for s in panel.membership.required_seats("adoption-tracking")}
    assert "Team Manager, YPT" not in part1 and "Virtual School Head" not in part1
    assert "Team Manager, Adoption Service" not in {s.title for s in panel.membership.required_seats("placed-with-parents")}
    assert panel.referral.consolidated_sibling_reports
    assert [p.id for p in panel.paperwork_for("placed-with-parents")][-1] == "lpm-paperwork"
    assert tenants["waltham-forest"].body("ptm").venue.platform == "Microsoft Teams"


def test_minimal_config_gets_defaults_from_code():
    tor = load_tor_from_text(MINIMAL)
    body = tor.body("panel")
    assert body.referral.late_policy == "chair_discretion"
    assert body.cadence.bank_holidays == "next_working_day"
    assert body.cadence.time_zone == "Europe/London"
    assert body.membership.quorum.minimum == 3
    assert [t.id for t in tor.timescales] == ["first-review", "second-review", "subsequent-reviews",
                                              "proceedings-week-26"]
    assert set(CORE_ROLES) <= set(tor.roles)


def test_unknown_role_names_file_line_path_and_known_roles():
    text = MINIMAL.replace("{role: social-worker}", "{role: virtual-head}")
    [error] = _errors(text)
    assert error.line == 16
    assert error.dotted_path == "bodies[0].membership.members[1].role"
    assert str(error).startswith("tenants/test/tor.yaml:16 bodies[0].membership.members[1].role: unknown role "
                                 "'virtual-head'; known roles: chair, vice-chair,")
    assert "virtual-school-head" in error.message


def test_tenant_roles_extend_the_vocabulary():
    text = MINIMAL.replace("{role: social-worker}", "{role: virtual-head}") + (
        "roles:\n  - {id: virtual-head, label: Virtual Head, access_role: panel_member}\n")
    assert load_tor_from_text(text).role("virtual-head").label == "Virtual Head"
    bad = MINIMAL + "roles:\n  - {id: x, label: X, access_role: superuser}\n"
    [error] = _errors(bad)
    assert error.dotted_path == "roles[0].access_role"
    assert "unknown access role 'superuser'; allowed: tenant_admin, panel_administrator" in error.message


def test_unknown_fact_in_cohort_rule():
    text = MINIMAL + """    agenda_parts:
      - id: part-1
        title: Adoption tracking
        cohort:
          any:
            - {fact: legal_status, in: [E1]}
            - {fact: age, lt: 5}
"""
    [error] = _errors(text)
    assert (error.line, error.dotted_path) == (23, "bodies[0].agenda_parts[0].cohort.any[1].fact")
    assert "unknown fact 'age'; known facts: legal_status, age_years" in error.message


def test_unknown_code_value_in_cohort_rule():
    text = MINIMAL + """    agenda_parts:
      - id: part-1
        title: Adoption tracking
        cohort: {fact: legal_status, in: [E1, X9]}
"""
    [error] = _errors(text)
    assert error.dotted_path == "bodies[0].agenda_parts[0].cohort.in[1]"
    assert "unknown value 'X9' for legal_status; allowed: C1, C2" in error.message


def test_bad_rrule():
    [error] = _errors(MINIMAL.replace("BYDAY=WE", "BYDAY=WEDNESDAY"))
    assert (error.line, error.dotted_path) == (8, "bodies[0].cadence.rrule")
    assert "not a valid RFC 5545 recurrence rule" in error.message and "FREQ=WEEKLY" in error.message


def test_wrong_type():
    [error] = _errors(MINIMAL.replace('end_time: "17:00"', 'end_time: "17:00"\n      duration_minutes: lots'))
    assert (error.line, error.dotted_path) == (12, "bodies[0].cadence.duration_minutes")
    assert error.message == "expected a whole number"


def test_unknown_key_lists_allowed_keys():
    [error] = _errors(MINIMAL.replace("    kind: panel", "    kind: panel\n    frequency: fortnightly"))
    assert (error.line, error.dotted_path) == (6, "bodies[0].frequency")
    assert error.message.startswith("unknown key 'frequency'; allowed keys: accountable_to, agenda_parts,")


def test_several_errors_reported_together_and_nothing_loads():
    text = (MINIMAL.replace("{role: social-worker}", "{role: wizard}")
            .replace("kind: panel", "kind: committee").replace("name: Test Council", "nmae: Test Council"))
    errors = _errors(text)
    assert [e.dotted_path for e in errors] == ["council.name", "council.nmae", "bodies[0].kind",
                                               "bodies[0].membership.members[1].role"]
    assert errors[0].message == "required key is missing"
    assert "unknown body kind 'committee'; allowed: panel, tracking_meeting" in errors[2].message


def test_cross_reference_errors_have_lines():
    text = MINIMAL + """    escalation: nowhere
    agenda_parts:
      - {id: part-1, title: One}
      - {id: part-1, title: Two}
    deadlines:
      - kind: referrals
        offset: {working_days: 5}
"""
    messages = {e.dotted_path: (e.line, e.message) for e in _errors(text)}
    assert messages["bodies[0].escalation"][1].startswith("unknown escalation ladder 'nowhere'")
    assert messages["bodies[0].agenda_parts[1].id"] == (20, "agenda part id 'part-1' is used more than once")
    assert "set direction: before" in messages["bodies[0].deadlines[0].offset.direction"][1]


def test_unknown_agenda_part_in_membership():
    text = MINIMAL.replace("{role: team-manager}", "{role: team-manager, not_required_for_parts: [part-9]}")
    [error] = _errors(text)
    assert (error.line, error.dotted_path) == (15, "bodies[0].membership.members[0].not_required_for_parts[0]")
    assert error.message == "unknown agenda part 'part-9'; parts of panel: none"


def test_unknown_event_in_timescale():
    text = MINIMAL + """\
timescales:
  - id: t
    label: T
    event: came_into_care
    offset: {weeks: 4}
"""
    [error] = _errors(text)
    assert (error.line, error.dotted_path) == (20, "timescales[0].event")
    assert error.message.startswith("unknown event 'came_into_care'; allowed: entered_care,")


def test_offset_needs_exactly_one_unit():
    text = MINIMAL + "due_soon: {weeks: 1, days: 2}\n"
    [error] = _errors(text)
    assert error.dotted_path == "due_soon"
    assert "exactly one of: working_days, days, weeks, months" in error.message


def test_yaml_syntax_error_and_duplicate_keys():
    [error] = _errors("council: {name: [unclosed\n")
    assert error.message.startswith("not valid YAML") and error.line is not None
    [dup] = _errors(MINIMAL.replace("    name: Test Panel", "    name: Test Panel\n    name: Again"))
    assert (dup.line, dup.dotted_path, dup.message) == (7, "bodies[0].name", "key given twice; keep one")


def test_times_are_not_read_as_base_60_numbers():
    tor = load_tor_from_text(MINIMAL.replace('start_time: "14:00"', "start_time: 14:00"))
    assert tor.body("panel").cadence.start_time.hour == 14


def test_extra_validators_plug_in_with_line_numbers():
    def no_teams(tor):
        for i, body in enumerate(tor.bodies):
            if body.venue.kind == "online":
                yield ("bodies", i, "name"), "this council may not meet online"

    [error] = _errors_with(MINIMAL, [no_teams])
    assert (error.line, error.dotted_path, error.message) == (6, "bodies[0].name", "this council may not meet online")


def _errors_with(text, validators):
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(text, "tenants/test/tor.yaml", extra_validators=validators)
    return caught.value.errors


def test_missing_folder(tmp_path: Path):
    with pytest.raises(TorConfigError) as caught:
        load_tor(tmp_path / "nowhere")
    assert "cannot read the file" in str(caught.value)


TRACKING = MINIMAL + """  - id: tm
    kind: tracking_meeting
    name: Tracking meeting
    per_child_cadence: [{id: every-6, every: {weeks: 6}}]
    agenda_parts: [{id: child, title: The child}]
    membership:
      chairs: [{role: team-manager}]
      quorum: {minimum: 1, required_roles: [team-manager]}
    meeting_days:
      agreed_by: team-manager
"""


def test_meeting_days_are_agreed_per_team_by_a_role_that_can_arrange_them():
    body = load_tor_from_text(TRACKING).body("tm")
    assert (body.meeting_days.agreed_by, body.meeting_days.supported_by) == ("team-manager", ("panel-administrator",))
    assert load_tor_from_text(TENANTS_DIR.joinpath("permanence-panel-pptm", "tor.yaml").read_text()).body(
        "pptm").meeting_days.agreed_by == "team-manager"

    [error] = _errors(TRACKING.replace("agreed_by: team-manager", "agreed_by: social-worker"))
    assert (error.line, error.dotted_path) == (26, "bodies[1].meeting_days.agreed_by")
    assert error.message == ("role 'social-worker' (access role social_worker) cannot arrange tracking meetings in "
                             "the platform; name a role whose access role is one of: panel_administrator, "
                             "team_manager")
    [error] = _errors(TRACKING + "      supported_by: [chair]\n")
    assert error.dotted_path == "bodies[1].meeting_days.supported_by[0]"
    [error] = _errors(TRACKING + "      weekday: tuesday\n")
    assert error.dotted_path == "bodies[1].meeting_days.weekday"
    [error] = _errors(TRACKING.replace("      - {role: social-worker}\n",
                                       "      - {role: social-worker}\n    meeting_days: {agreed_by: team-manager}\n"))
    assert (error.dotted_path, error.message) == (
        "bodies[0].meeting_days", "meeting_days is for tracking meetings; a panel sits on its cadence")
