"""Honest reading back (issue 14, item 9): a terms of reference read back says which of its rules the
council wrote and which the onboarder chose where the text is silent (``assumption: <why>``), and
the administrators see every such choice listed, each linked to where it stands on the page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
import re

import pytest

from text_support import plain
from permanence.core.jobs import commit
from permanence.tor import TorConfigError, load_tor_from_text, services

REPO = Path(__file__).resolve().parents[2]
NORTH_SHIRE = (REPO / "tests" / "data" / "tor" / "north-shire" / "tor.yaml").read_text()
SEEDS = ("waltham-forest", "permanence-panel-pptm", "redbridge", "monthly-tracking-overview", "knowsley")


def _with_assumptions(text: str) -> str:
    """North Shire with an assumption on its cadence, a seat, a part's cohort rule, a deadline and the tracker."""
    text = text.replace("      end_time: \"12:30\"\n    membership:",
                        "      end_time: \"12:30\"\n      assumption: The ToR gives no time; 10:30 to 12:30.\n"
                        "    membership:", 1)
    text = text.replace("        - {role: legal-adviser, title: Solicitor, required: false}",
                        "        - {role: legal-adviser, title: Solicitor, required: false, "
                        "assumption: \"the ToR says 'legal advice as needed'\"}", 1)
    text = text.replace("        cohort: {fact: age_years, lt: 2}",
                        "        cohort: {fact: age_years, lt: 2, assumption: under two stands for 'babies'}", 1)
    text = text.replace("        offset: {working_days: 4, direction: after}",
                        "        offset: {working_days: 4, direction: after}\n"
                        "        assumption: No deadline for the minutes is given.", 1)
    assert text.count("assumption:") == 4
    return text


def _words(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


# --- The engine ---------------------------------------------------------------------------------

def test_any_mapping_may_carry_an_assumption_and_it_is_kept_with_its_place():
    text = _with_assumptions(NORTH_SHIRE)
    tor = load_tor_from_text(text)
    found = {a.text: a for a in tor.assumptions}
    assert found["The ToR gives no time; 10:30 to 12:30."].path == ("bodies", 0, "cadence")
    assert found["The ToR gives no time; 10:30 to 12:30."].anchor == "body-0-meets"
    seat = found["the ToR says 'legal advice as needed'"]
    assert seat.path == ("bodies", 0, "membership", "members", 1) and seat.anchor == "body-0-membership"
    cohort = found["under two stands for 'babies'"]
    assert cohort.anchor == "body-0-part-0" and "Early permanence" in cohort.where
    minutes = found["No deadline for the minutes is given."]
    assert minutes.anchor == "body-0-deadline-1"
    assert text.splitlines()[minutes.line - 1] == "        assumption: No deadline for the minutes is given."
    # The rules themselves load as if the key were not there.
    assert tor.bodies == load_tor_from_text(NORTH_SHIRE).bodies


def test_an_assumption_must_be_text():
    text = NORTH_SHIRE.replace("  review_every: {months: 12}", "  review_every: {months: 12}\n  assumption: {why: x}")
    with pytest.raises(TorConfigError) as err:
        load_tor_from_text(text)
    assert "tor.yaml:11 council.assumption: an assumption is text saying why" in str(err.value)


def test_an_assumption_key_inside_the_councils_own_words_is_their_word():
    """The tracker's wording of codes is the council's own map: "assumption" there is a heading's word."""
    text = NORTH_SHIRE + """
tracker:
  columns:
    - {heading: Case number, field: case_number}
    - heading: Legal status
      fact: legal_status
      codes: {assumption: C1, Care Order: C2}
"""
    tor = load_tor_from_text(text)
    assert tor.assumptions == ()
    assert dict(tor.tracker.columns[1].codes) == {"assumption": "C1", "Care Order": "C2"}


@pytest.mark.parametrize("slug", SEEDS)
def test_the_seed_councils_assumptions_are_keys_not_comments(tenants, slug):
    text = (REPO / "tenants" / slug / "tor.yaml").read_text()
    assert "# ASSUMPTION" not in text
    assert len(tenants[slug].assumptions) == len(re.findall(r"^ *assumption:", text, re.M)) > 0


# --- Through the web client -----------------------------------------------------------------------

@pytest.fixture
def council(app, make_tenant, travel):
    """``council(slug, text=None)``: a council with the text (else its seed file) in force."""
    travel(date(2026, 11, 24))

    def make(slug, text=None):
        tenant = make_tenant(slug, slug.replace("-", " ").title())
        with app.app_context():
            if text is None:
                services.load_folder(REPO / "tenants" / slug, slug=slug)
            else:
                result = services.store_version(tenant.id, text, filename="tor.yaml", loaded_by="cli")
                services.activate_version(result.version)
            commit()
        return tenant

    return make


def test_an_assumption_shows_on_the_page_and_in_both_administrators_lists(council, client, make_user, login):
    tenant = council("north-shire", _with_assumptions(NORTH_SHIRE))
    login(make_user(tenant, ["social_worker"]))
    page = plain(_words(client.get("/north-shire/terms-of-reference")))
    marks = re.findall(r'id="assumption-(\d+)"><strong>To be confirmed by the council:</strong> ([^<]*)<', page)
    assert sorted(n for n, _ in marks) == ["1", "2", "3", "4"]
    assert {t.strip() for _, t in marks} == {"The ToR gives no time; 10:30 to 12:30.",
                                             "the ToR says 'legal advice as needed'".replace("'", "&#39;"),
                                             "under two stands for &#39;babies&#39;",
                                             "No deadline for the minutes is given."}
    # Each stands next to its rule: the cadence's before the membership table, the deadline's in its row.
    assert page.index("Monthly on the second Thursday") < page.index("The ToR gives no time") < page.index("Membership")
    deadlines = page[page.index("Deadlines for every sitting"):]
    row = deadlines[deadlines.index(">Minutes due<"):]
    assert row.index("No deadline for the minutes is given.") < row.index("</tr>")

    login(make_user(tenant, ["tenant_admin"]))
    home = _words(client.get("/north-shire/"))
    assert "To be confirmed by the council" in home
    for n in range(1, 5):
        assert f'href="/north-shire/terms-of-reference#assumption-{n}"' in home
    assert "Permanence Oversight Panel: when it meets (line 24): The ToR gives no time; 10:30 to 12:30." \
        in re.sub(r"<[^>]+>", "", home)

    login(make_user(None, (), platform_admin=True))
    council_page = _words(client.get(f"/admin/tenants/{tenant.id}"))
    assert f'href="/admin/tenants/{tenant.id}/terms-of-reference/in-force"' in council_page
    for n in range(1, 5):
        assert f'href="/admin/tenants/{tenant.id}/terms-of-reference/in-force#assumption-{n}"' in council_page
    assert "No deadline for the minutes is given." in council_page


def test_a_council_without_assumptions_lists_none(council, client, make_user, login):
    tenant = council("north-shire", NORTH_SHIRE)
    login(make_user(tenant, ["tenant_admin"]))
    assert "To be confirmed by the council" not in _words(client.get("/north-shire/"))
    assert "To be confirmed by the council" not in _words(client.get("/north-shire/terms-of-reference"))


def test_the_central_administrator_reads_any_councils_terms_of_reference(council, client, make_user, login):
    tenant = council("knowsley")
    login(make_user(None, (), platform_admin=True))
    page = _words(client.get(f"/admin/tenants/{tenant.id}/terms-of-reference/in-force"))
    assert "Multi-Agency Permanency Panel" in page and "Part 1: Adoption tracking" in page
    assert f'href="/admin/tenants/{tenant.id}"' in page  # back to the council's page
    # A member of a council is not a central administrator.
    login(make_user(tenant, ["tenant_admin"]))
    assert client.get(f"/admin/tenants/{tenant.id}/terms-of-reference/in-force").status_code in (403, 404)


def test_the_central_administrator_reads_that_none_is_in_force_yet(client, make_tenant, make_user, login):
    tenant = make_tenant("south-shire", "South Shire")
    login(make_user(None, (), platform_admin=True))
    response = client.get(f"/admin/tenants/{tenant.id}/terms-of-reference/in-force")
    assert response.status_code == 200 and "No terms of reference are in force for South Shire" in _words(response)


@pytest.mark.parametrize("slug", SEEDS)
def test_every_seed_assumption_is_marked_on_the_page_once(council, client, make_user, login, tenants, slug):
    tenant = council(slug)
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get(f"/{slug}/terms-of-reference"))
    count = len(tenants[slug].assumptions)
    for n in range(1, count + 1):
        assert page.count(f'id="assumption-{n}"') == 1, n
    assert f'id="assumption-{count + 1}"' not in page
    assert page.count("To be confirmed by the council:") == count


# --- Validation: dates, text, cadences, every error at once ------------------------------------------

@pytest.mark.parametrize("written, first, precision, due, words", [
    ("2026-03-01", date(2026, 3, 1), "day", date(2027, 3, 1), "Sunday 1 March 2026"),
    ("2026-03", date(2026, 3, 1), "month", date(2027, 3, 31), "March 2026"),
    ("2026", date(2026, 1, 1), "year", date(2027, 12, 31), "2026"),
    ('"2026-3"', date(2026, 3, 1), "month", date(2027, 3, 31), "March 2026"),
])
def test_last_reviewed_takes_a_day_a_month_or_a_year(written, first, precision, due, words):
    tor = load_tor_from_text(NORTH_SHIRE.replace("last_reviewed: 2026-03-01", f"last_reviewed: {written}"))
    council = tor.council
    assert (council.last_reviewed, council.last_reviewed_precision, council.review_due,
            council.last_reviewed_words) == (first, precision, due, words)


def test_a_numeric_source_is_read_as_the_text_written():
    tor = load_tor_from_text(NORTH_SHIRE.replace("  review_every: {months: 12}",
                                                 "  review_every: {months: 12}\n  source: 1.30", 1)
                             .replace("        minutes_per_item: 15", "        minutes_per_item: 15\n        source: 2", 1))
    assert tor.council.source == "1.30"
    assert tor.bodies[0].agenda_parts[0].source == "2"


# (the text, the line and path of each error expected)
BAD = {
    "impossible date": (NORTH_SHIRE.replace("last_reviewed: 2026-03-01", "last_reviewed: 2024-13-45"),
                        ["tor.yaml:9 council.last_reviewed: '2024-13-45' is not a date (month must be in 1..12)"]),
    "impossible anchor": (NORTH_SHIRE.replace("anchor: 2026-01-08", "anchor: 2026-02-30"),
                          ["tor.yaml:21 bodies[0].cadence.anchor: '2026-02-30' is not a date"]),
    "never sits": (NORTH_SHIRE.replace("FREQ=MONTHLY;BYDAY=+2TH", "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30"),
                   ["tor.yaml:20 bodies[0].cadence.rrule: this rule never gives a sitting"]),
    "ended before the anchor": (NORTH_SHIRE.replace("FREQ=MONTHLY;BYDAY=+2TH",
                                                    "FREQ=MONTHLY;BYDAY=+2TH;UNTIL=20251231T000000"),
                                ["tor.yaml:20 bodies[0].cadence.rrule: this rule never gives a sitting"]),
    "hourly": (NORTH_SHIRE.replace("FREQ=MONTHLY;BYDAY=+2TH", "FREQ=HOURLY"),
               ["tor.yaml:20 bodies[0].cadence.rrule: give one rule, repeating DAILY, WEEKLY, MONTHLY or YEARLY"]),
    "structural and semantic together": (
        NORTH_SHIRE.replace("last_reviewed: 2026-03-01", "last_reviewed: 2024-13-45")
        .replace("        minutes_per_item: 15", "        minutes_per_item: fifteen")
        .replace("      - {id: return, label: Return to panel}",
                 "      - {id: return, label: Return to panel}\n      - {id: agreed, label: Plan agreed again}"),
        ["tor.yaml:9 council.last_reviewed: '2024-13-45' is not a date",
         "tor.yaml:35 bodies[0].agenda_parts[0].minutes_per_item: expected a whole number",
         "tor.yaml:49 bodies[0].outcomes[2].id: outcome id 'agreed' is used more than once"]),
}


@pytest.mark.parametrize("case", BAD)
def test_each_bad_value_is_an_error_at_its_line(case):
    text, expected = BAD[case]
    with pytest.raises(TorConfigError) as err:
        load_tor_from_text(text)
    found = [str(e) for e in err.value.errors]
    assert len(found) == len(expected), found
    for line, want in zip(found, expected):
        assert line.startswith(want), found


def test_a_semantic_error_after_a_removed_item_keeps_its_own_line():
    """The first body is structurally wrong and left out of the cross-checks; the second body's
    cross-reference error is still found, at its own line and index in the file."""
    body = NORTH_SHIRE[NORTH_SHIRE.index("  - id: pop\n"):]
    second = body.replace("  - id: pop\n", "  - id: pop-two\n").replace(
        "      - {id: return, label: Return to panel}",
        "      - {id: return, label: Return to panel}\n      - {id: agreed, label: Plan agreed again}")
    text = NORTH_SHIRE.replace("    kind: panel", "    kind: pannel", 1) + second
    with pytest.raises(TorConfigError) as err:
        load_tor_from_text(text)
    found = [(e.line, e.dotted_path, e.message) for e in err.value.errors]
    duplicate_line = text.splitlines().index("      - {id: agreed, label: Plan agreed again}") + 1
    assert found[0][1] == "bodies[0].kind" and "unknown body kind 'pannel'" in found[0][2]
    assert (duplicate_line, "bodies[1].outcomes[2].id", "outcome id 'agreed' is used more than once") in found
    assert len(found) == 2, found


@pytest.mark.parametrize("case", BAD)
def test_the_upload_page_shows_the_error_at_its_line(case, client, make_tenant, make_user, login):
    text, expected = BAD[case]
    tenant = make_tenant("north-shire", "North Shire")
    login(make_user(None, (), platform_admin=True))
    response = client.post(f"/admin/tenants/{tenant.id}/terms-of-reference", data={"tor_text": text})
    assert response.status_code == 200
    page = _words(response).replace("&#39;", "'")
    for want in expected:
        line, rest = want.split(" ", 1)
        assert f"Line {line.split(':')[1]}, {rest}" in page


@pytest.mark.parametrize("case", BAD)
def test_the_command_line_names_the_line_without_a_traceback(case, app, tmp_path):
    text, expected = BAD[case]
    (tmp_path / "tor.yaml").write_text(text)
    result = app.test_cli_runner().invoke(args=["tenants", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    for want in expected:
        assert f"{tmp_path}/{want}" in result.output


# --- Defaults shown as defaults ----------------------------------------------------------------------

def _row(page: str, key: str) -> str:
    """The text of the summary-list row headed ``key``."""
    start = page.index(f">{key}</dt>")
    return page[start:page.index("</div>", start)]


def test_values_the_file_did_not_give_are_labelled_platform_defaults(council, client, make_user, login):
    """North Shire gives no quorum, bank-holiday rule, referral rules or record keeping: the page says
    those are the platform's; what it gives (minutes per item, its chairs) carries no such label."""
    tenant = council("north-shire", NORTH_SHIRE)
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/north-shire/terms-of-reference"))
    assert "moves to the next working day. <span class=\"govuk-body-s app-default\">(platform default)</span>" in page
    for key in ("Quorum", "Presenting items", "Who may refer", "Late referrals", "Minutes taken by",
                "Decision records sent to",
                "Substitutes"):
        assert "(platform default)" in _row(page, key), key
    assert "(platform default)" not in _row(page, "Time for each child")  # 15 minutes, given
    assert "(reviewed every twelve months)" in page  # review_every is given


def test_a_value_the_file_gives_is_not_labelled(council, client, make_user, login):
    tenant = council("knowsley")
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/knowsley/terms-of-reference"))
    assert "(platform default)" not in _row(page, "Quorum")  # Knowsley's file states one (as an assumption)
    assert "(platform default)" not in _row(page, "Presenting items")
    assert "moves to the next working day. <span" not in page  # bank_holidays is in the file


def test_given_follows_the_file():
    tor = load_tor_from_text(NORTH_SHIRE)
    assert tor.given(("bodies", 0, "agenda_parts", 0, "minutes_per_item"))
    assert not tor.given(("bodies", 0, "cadence", "bank_holidays"))
    assert not tor.given(("bodies", 0, "membership", "quorum"))


# --- English on the page -------------------------------------------------------------------------------

def test_a_quorum_of_one_is_one_member_and_empty_rows_are_left_out(council, client, make_user, login):
    text = NORTH_SHIRE.replace("    agenda_parts:", "      quorum: {minimum: 1}\n    agenda_parts:", 1) \
        .replace("  case_record_system: Eclipse\n", "", 1)
    tenant = council("north-shire", text)
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/north-shire/terms-of-reference"))
    assert "At least 1 member, including" in _row(page, "Quorum")
    assert ">Invited experts<" not in page and "None named" not in page
    assert ">Case record system<" not in page and "Not named" not in page


def test_a_parts_headings_for_each_child_are_rendered(council, client, make_user, login, tenants):
    tenant = council("permanence-panel-pptm")
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/permanence-panel-pptm/terms-of-reference"))
    headings = [h for body in tenants["permanence-panel-pptm"].bodies for p in body.agenda_parts for h in p.headings]
    assert headings
    assert "Headings for each child's discussion" in page
    for heading in headings:
        assert heading.replace("'", "&#39;") in page


# --- English that does not contradict itself --------------------------------------------------------

def test_a_part_names_the_referrers_the_body_names(council, client, make_user, login):
    """'Referral by ...' in a part says who the Referrals section says may refer, not a fixed phrase."""
    text = NORTH_SHIRE.replace("    deadlines:\n      - kind: referrals",
                               "    referral:\n      who_may_refer: [social-worker, panel-member]\n"
                               "    deadlines:\n      - kind: referrals", 1)
    tenant = council("north-shire", text)
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/north-shire/terms-of-reference"))
    assert "Referral by the social worker or panel member" in _row(page, "How children reach it") or \
        "Referral by the social worker or panel member" in page
    assert "social worker or team manager" not in page
    assert "Social worker, Panel member" in _row(page, "Who may refer")


def test_a_body_that_takes_no_referrals_says_so_and_cannot_name_referrers(council, client, make_user, login):
    no_referrals = NORTH_SHIRE.replace("        entry_routes: [referral]", "        entry_routes: [cohort_rule]", 1)
    tenant = council("north-shire", no_referrals)
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/north-shire/terms-of-reference"))
    assert "Nobody: no part of the agenda takes referrals" in _row(page, "Who may refer")
    assert ">Late referrals<" not in page and ">Quality assurance<" not in page
    named = no_referrals.replace("    deadlines:\n      - kind: referrals",
                                 "    referral:\n      who_may_refer: [team-manager]\n      submit_to: Panel inbox\n"
                                 "    deadlines:\n      - kind: referrals", 1)
    with pytest.raises(TorConfigError) as err:
        load_tor_from_text(named)
    lines = named.splitlines()
    found = [(e.line, e.dotted_path, e.message) for e in err.value.errors]
    assert found == [
        (lines.index("      who_may_refer: [team-manager]") + 1, "bodies[0].referral.who_may_refer",
         "who_may_refer is given, but no agenda part of 'pop' takes referrals; add referral to a part's "
         "entry_routes, or leave it out"),
        (lines.index("      submit_to: Panel inbox") + 1, "bodies[0].referral.submit_to",
         "submit_to is given, but no agenda part of 'pop' takes referrals; add referral to a part's "
         "entry_routes, or leave it out")]


def test_event_names_and_same_day_escalation_read_as_words(council, client, make_user, login):
    tenant = council("permanence-panel-pptm")
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/permanence-panel-pptm/terms-of-reference"))
    assert "the first six weeks after care proceedings were issued" in page
    assert "the first twelve weeks after a care order was made" in page
    assert "counted from proceedings issued" not in page and "proceedings_issued" not in page
    assert "Senior manager: when the chair decides, the same day." in page
    assert "after the same day" not in page


def test_the_reminders_section_shows_each_reminder_and_whose_words(council, client, make_user, login):
    text = NORTH_SHIRE + ("reminders:\n  source: 7. Reminders\n  minutes_due:\n    days_before: 3\n"
                          "    subject: \"POP: minutes of {meeting_date}\"\n  actions_due:\n    enabled: false\n")
    tenant = council("north-shire", text)
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/north-shire/terms-of-reference"))
    section = page[page.index('id="reminders"'):]
    assert "Three working days before the minutes deadline" in section and "POP: minutes of {meeting_date}" in section
    assert "Not sent: the terms of reference set no papers deadline" in section  # North Shire sets none
    assert "Two working days before the referral deadline <span class=\"govuk-body-s app-default\">" \
           "(platform default)</span>" in section
    row = section[section.index("Action due"):section.index("</tr>", section.index("Action due"))]
    assert "Not sent" in row and "(platform default)" not in row
    assert "Tracking meeting booked" not in section  # North Shire holds no tracking meetings
    assert "(Source: 7. Reminders)" in section


def test_a_document_owner_is_named(council, client, make_user, login):
    text = NORTH_SHIRE.replace("  case_record_system: Eclipse\n",
                               "  case_record_system: Eclipse\n  owner: Head of Service, Children in Care\n", 1)
    assert load_tor_from_text(text).council.owner == "Head of Service, Children in Care"
    tenant = council("north-shire", text)
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/north-shire/terms-of-reference"))
    assert "Head of Service, Children in Care" in _row(page, "Document owner")


def test_records_may_be_sent_to_the_members_and_say_when(council, client, make_user, login):
    text = NORTH_SHIRE.replace("    outcomes:\n", "    record:\n      sent_to: [social-worker, "
                               "independent-reviewing-officer, members]\n    outcomes:\n", 1)
    tenant = council("north-shire", text)
    login(make_user(tenant, ["social_worker"]))
    row = _row(_words(client.get("/north-shire/terms-of-reference")), "Decision records sent to")
    assert "Social worker, Independent reviewing officer, The POP&#39;s members, when the minutes are " \
           "circulated" in row
    with pytest.raises(TorConfigError) as err:
        load_tor_from_text(text.replace("independent-reviewing-officer, members]", "memebers]"))
    assert "unknown role 'memebers'" in str(err.value) and "or 'members' for the body's own members" in str(err.value)


def test_a_reminder_with_no_deadline_to_count_from_says_it_is_not_sent(council, client, make_user, login):
    """Knowsley sets no referral deadline: its page does not promise a reminder two days before one."""
    tenant = council("knowsley")
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/knowsley/terms-of-reference"))
    section = page[page.index('id="reminders"'):]
    row = section[section.index("Referral not yet submitted"):section.index("</tr>",
                                                                          section.index("Referral not yet submitted"))]
    assert "Not sent: the terms of reference set no referral deadline" in row
    assert "before the referral deadline" not in row
    assert "Three working days before the papers deadline" in section


def test_a_councils_wording_for_a_platform_code_reads_as_words(council, client, make_user, login):
    tenant = council("knowsley")
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/knowsley/terms-of-reference"))
    assert "“SGO” = special guardianship" in page and "“Placement Order” = E1" in page
    assert "= special_guardianship" not in page and "= return_to_family" not in page


def test_a_rule_a_plugin_carries_out_is_read_back(council, client, make_user, login):
    """Knowsley's part 4 is chosen from a Power BI extract by its plugin: the page says so."""
    tenant = council("knowsley")
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/knowsley/terms-of-reference"))
    section = page[page.index('id="plugins"'):]
    assert "<strong>performance_cohort</strong>: Children listed in the Power BI extract " \
           "(power-bi-scrutiny-cohort.synthetic.csv) are proposed for Part 4: Scrutiny" in section
    assert "each proposal names the extract and the row it came from" in section
    other = council("north-shire", NORTH_SHIRE)  # enables no plugin: no such section
    login(make_user(other, ["social_worker"]))
    assert 'id="plugins"' not in _words(client.get("/north-shire/terms-of-reference"))
