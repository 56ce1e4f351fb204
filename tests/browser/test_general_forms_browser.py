"""Two councils none of us has read, onboarded from their terms of reference through the central
administrator's pages in Chromium (issue 14, item 10): West Marsh (per-child meetings held once and
convened when needed, timescales anchored on events still to come, the facts a cohort reads) and
South Fen (panels that follow another's sittings and share a membership, a minimum cadence,
outcomes offered only when a condition holds or subject to an adviser, dates the panel sets,
funding requests, decisions between sittings and their review). Each file validates and is put in
force with no code change, and its rendered terms of reference say every one of those rules in
English, with the choice the onboarder made marked for the council to confirm. That the rules take
effect is shown, with exact dates, by the tests of each form (tests/tor/, tests/test_*.py).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from factories import PASSWORD

REPO = Path(__file__).resolve().parents[2]

COUNCILS = {
    "west-marsh": ("West Marsh Council (synthetic)", [
        # Per-child meetings held once, and convened when needed (item 2).
        "Once, within ten working days after the child became looked after, where the child is looked after",
        "Convened for one child when needed by the team manager or the service manager",
        # Timescales anchored on the nth and on events still to come, combined (item 1).
        "By the second looked-after review.",
        "20 weeks after care proceedings were issued or the next looked-after review after care proceedings "
        "were issued, whichever comes first.",
        "5 working days before the agency decision maker's should-be-placed decision.",
        # Facts and their negations (items 4 and 9).
        "the child's section 20 accommodation began in an emergency",
        "The child has been on a child protection plan for more than 6 months and legal status is neither "
        "C2 (care order) nor E1 (placement order)",
        "the child is not recorded as having a permanence plan",
        "The child is looked after and the child is not a care leaver",
        # Reading back (item 9): owner, records to the members, a month for the last review, reminders.
        "Head of Service, Children in Care",
        "The PPM's members, when the minutes are circulated",
        "September 2026",
        "One working day before the minutes deadline",
        "Not sent: the terms of reference set no papers deadline",
        "To be confirmed by the council: The terms of reference say \"monthly\" and give no day or time.",
    ]),
    "south-fen": ("South Fen Council (synthetic)", [
        # Bodies leaning on bodies (item 3).
        "At least every two weeks on Thursday, 09:30 to 11:30; the Chair may add sittings.",
        "Straight after each sitting of the Permanence Panel ends, for one hour.",
        "On the first Monday after each sitting of the Permanence Panel, 14:00 to 15:00.",
        "as for the Permanence Panel's core members (the same seats and quorum). This panel also has: Virtual "
        "School Head.",
        # The Tracking Review sits when the Panel's sitting ends; the Resources Panel the Monday after.
        "Thursday 7 January 2027, 11:30 to 12:30",
        "Monday 11 January 2027, 14:00 to 15:00",
        # Conditional outcomes and sign-off (item 5); dates the panel sets (item 8).
        "Offered only when a legal adviser is recorded present at the sitting",
        "Offered only for children where primary plan is adoption.",
        "The meeting agrees a date for Matching report to the Panel",
        "Match recommended, subject to the Agency Adviser's agreement",
        # Requests, not children's cases (item 6).
        "Funding requests: requests, not children's cases; asked by a social worker or team manager",
        "The conditions are written down when it is recorded.",
        # Decisions between sittings and their review (item 7).
        "Between sittings, the head of service may decide for one child when a decision cannot wait",
        "A social worker or independent reviewing officer may ask for a decision to be reviewed within ten "
        "working days; the assistant director decides",
        # Timescales (item 1).
        "4 weeks after the second looked-after review.",
        "12 weeks after a placement order was made or 6 weeks after the agency decision maker's should-be-placed "
        "decision, whichever comes last.",
    ]),
}


@pytest.fixture
def wednesday_2_december_2026():
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc), tick=True):
        yield


@pytest.mark.parametrize("slug", COUNCILS)
def test_a_council_nobody_has_read_is_onboarded_and_reads_back_its_rules(
        slug, app, page, sign_in, assert_accessible, make_user, wednesday_2_december_2026):
    name, sentences = COUNCILS[slug]
    make_user(None, (), platform_admin=True, email="central@example.org")
    sign_in(page, "central@example.org", PASSWORD)

    page.goto("/admin/tenants/new-from-terms-of-reference")
    page.get_by_label("Web address").fill(slug)
    page.get_by_label("Upload tor.yaml").set_input_files(str(REPO / "tests" / "data" / "tor" / slug / "tor.yaml"))
    page.get_by_role("button", name="Check and store as a proposal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Version 1 of the terms of reference")
    page.get_by_role("button", name=f"Activate and open {name}").click()
    expect(page.locator(".govuk-summary-list__row", has_text="Status")).to_contain_text("Active")
    tenant_id = re.search(r"/admin/tenants/(\d+)", page.url).group(1)

    # The central administrator reads the rendered terms of reference in force (no child's data).
    page.goto(f"/admin/tenants/{tenant_id}/terms-of-reference/in-force")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Terms of reference")
    text = " ".join(page.locator("main").inner_text().split())
    missing = [s for s in sentences if s not in text]
    assert not missing, f"not on {slug}'s rendered terms of reference: {missing}"
    # No code reads through: outside the e-mail subjects' {placeholders}, no identifier, no "None".
    words = re.sub(r"\{\w+\}", "", text)
    for code in ("s20_entry", "proceedings_issued", "adm_decision", "not (", "_"):
        assert code not in words, (code, words[max(0, words.find(code) - 200):words.find(code) + 100])
    assert not re.search(r"\bNone\b(?! set)", words)  # "None set" is the page's words for no deadlines
    assert_accessible(page)
