"""The ``tracker:`` section of tor.yaml: each seed's own spreadsheet layout, the default for a
council that describes none, and every mistake reported with its line and what is allowed."""

import pytest

from permanence.tor import TorConfigError, load_tor_from_text
from permanence.tor.tracker import HISTORY_DATES, MILESTONE, format_date, parse_date

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
      quorum: {minimum: 1}
"""  # 14 lines; a tracker section starts on line 15


def _errors(text):
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(text, "tenants/test/tor.yaml")
    return [str(e) for e in caught.value.errors]


def test_each_seed_describes_its_own_tracker(tenants):
    pptm = tenants["permanence-panel-pptm"].tracker_layout
    assert not pptm.default and pptm.sheet == "Permanence tracker"
    assert [c.heading for c in pptm.columns[:3]] == ["FWi number", "Child's name", "Date of birth"]
    legal = next(c for c in pptm.columns if c.heading == "Legal status")
    assert legal.codes["Care Order"] == "C2" and legal.wording_for("E1") == "Placement Order"
    next_pptm = pptm.columns[-1]
    assert (next_pptm.heading, next_pptm.kind, next_pptm.names) == (
        "Next PPTM due", MILESTONE, ("pptm-in-proceedings", "pptm-placement-order", "pptm-care-order-new-placement"))
    assert pptm.import_mapping()["fwi id"] == "case_number"  # an older heading the council's files use
    assert tenants["knowsley"].tracker_layout.columns[0].heading == "ICS ID"
    assert tenants["redbridge"].tracker_layout.sheet == "Tracking Template"
    for slug, tor in tenants.items():
        assert "case_number" in tor.tracker_layout.import_mapping().values(), slug


def test_a_council_without_a_tracker_section_gets_the_default_layout():
    tor = load_tor_from_text(MINIMAL)
    layout = tor.tracker_layout
    assert tor.tracker is None and layout.default
    assert [c.heading for c in layout.columns] == [
        "Case number", "Name", "Date of birth", "Team", "Social worker", "Date entered care", "Legal status",
        "Legal status since", "Placement type", "Placement since", "Primary plan", "Plan agreed",
        "Contingency plans", "First looked-after review: due", "Second looked-after review: due",
        "Next looked-after review: due", "Care proceedings concluded (week 26): due"]


def test_schema_mistakes_are_reported_with_their_lines():
    text = MINIMAL + """\
tracker:
  sheet: "Tracker: 2027"
  date_format: mm/dd/yyyy
  columns:
    - {heading: Case number, field: case_number}
    - {heading: Legal status, fact: legal_status, codes: {Care Order: C2, Full order: CO}}
    - {heading: Worker, field: worker}
    - {heading: Both, date: entered_care, milestone: first-review}
    - {heading: Nothing}
    - {heading: Flags, fact: flags, codes: {UASC: unaccompanied}}
    - {heading: Placed, date: placement_start, show: due}
"""
    assert _errors(text) == [
        "tenants/test/tor.yaml:16 tracker.sheet: a sheet name has 1 to 31 characters and none of [ ] : * ? / \\",
        "tenants/test/tor.yaml:17 tracker.date_format: unknown date format 'mm/dd/yyyy'; allowed: dd/mm/yyyy, "
        "dd/mm/yy, yyyy-mm-dd, dd-mm-yyyy, dd.mm.yyyy, d mmm yyyy, d mmmm yyyy",
        "tenants/test/tor.yaml:20 tracker.columns[1].codes.Full order: unknown code 'CO' for legal_status; "
        "allowed: C1, C2, D1, E1, V2, V3, V4, L1, L2, L3, J1, J2, J3",
        "tenants/test/tor.yaml:21 tracker.columns[2].field: unknown child field 'worker'; allowed: case_number, "
        "name, first_name, last_name, date_of_birth, expected_date_of_birth, sex, ethnicity, team, social_worker, "
        "team_manager, iro",
        "tenants/test/tor.yaml:22 tracker.columns[3]: give exactly one of field, fact, date or milestone: "
        "what the column shows (this column gives date and milestone)",
        "tenants/test/tor.yaml:23 tracker.columns[4]: give exactly one of field, fact, date or milestone: "
        "what the column shows",
        "tenants/test/tor.yaml:24 tracker.columns[5].codes: codes can only be given for legal_status, "
        "placement.type, plan.primary_route, plan.contingency_routes",
        "tenants/test/tor.yaml:25 tracker.columns[6].show: 'show' is for milestone columns only "
        "(due, achieved or status)",
    ]


def test_cross_reference_mistakes_are_reported_with_their_lines():
    text = MINIMAL + """\
tracker:
  columns:
    - {heading: Name, field: name}
    - {heading: Review due, milestone: [first-review, second-reveiw]}
    - {heading: NAME, field: first_name}
    - {heading: Forename, field: first_name}
  import:
    headings:
      Forename: last_name
      Given name: nickname
"""
    assert _errors(text) == [
        "tenants/test/tor.yaml:24 tracker.import.headings.Given name: unknown field 'nickname'; fields the import "
        "can fill: case_number, name, first_name, last_name, date_of_birth, expected_date_of_birth, sex, ethnicity, "
        "team, social_worker, team_manager, iro, legal_status, placement.type, placement.approved_permanent, "
        "plan.primary_route, plan.contingency_routes, entered_care, proceedings_issued, placement_start, "
        "legal_status_start, plan_agreed",
    ]
    text = text.replace("      Given name: nickname\n", "")
    assert _errors(text) == [
        "tenants/test/tor.yaml:16 tracker.columns: no column gives the case number (field: case_number), which "
        "the import matches children on",
        "tenants/test/tor.yaml:18 tracker.columns[1].milestone[1]: unknown timescale 'second-reveiw'; timescales "
        "of this council: first-review, second-review, subsequent-reviews, proceedings-week-26",
        "tenants/test/tor.yaml:19 tracker.columns[2].heading: heading 'NAME' is also column 1; headings must differ",
        "tenants/test/tor.yaml:20 tracker.columns[3].import: first_name is already read from 'NAME'; "
        "set import: false on one of them",
        "tenants/test/tor.yaml:23 tracker.import.headings.Forename: 'Forename' is already a column heading; "
        "list only other headings here",
    ]


def test_dates_are_read_and_written_as_the_council_writes_them():
    from datetime import date

    assert parse_date("3/7/2024", ["dd/mm/yyyy"]) == date(2024, 7, 3)
    assert parse_date("2024-07-03", ["dd/mm/yyyy", "yyyy-mm-dd"]) == date(2024, 7, 3)
    with pytest.raises(ValueError, match="'31/02/2024' is not a date \\(expected dd/mm/yyyy or yyyy-mm-dd\\)"):
        parse_date("31/02/2024", ["dd/mm/yyyy", "yyyy-mm-dd"])
    assert format_date(date(2024, 7, 3), "dd/mm/yyyy") == "03/07/2024"
    assert format_date(date(2024, 7, 3), "d mmm yyyy") == "3 Jul 2024"


def test_a_date_column_reads_as_english_for_clauses_and_nouns():
    assert HISTORY_DATES["entered_care"].label == "Date the child became looked after"
    assert HISTORY_DATES["second_review"].label == "Date of the second looked-after review"
    assert HISTORY_DATES["last_panel"].label == "Date of the most recent panel discussion of the child"
    assert HISTORY_DATES["expected_birth"].label == "The expected date of birth"
