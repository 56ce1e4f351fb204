"""The terms of reference read back as a document: each seed council's own cadence, members,
parts and deadlines, in words an officer recognises."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from text_support import plain
from permanence.core.jobs import commit
from permanence.tor import services

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def read_tor(app, client, make_tenant, make_user, login, travel):
    """``read_tor(slug)``: the seed council's rendered terms of reference as whitespace-normalised text."""
    travel(date(2026, 11, 24))

    def read(slug, roles=("social_worker",)):
        tenant = make_tenant(slug, slug.title())
        with app.app_context():
            services.load_folder(REPO / "tenants" / slug, slug=slug)
            commit()
        login(make_user(tenant, list(roles)))
        response = client.get(f"/{slug}/terms-of-reference")
        assert response.status_code == 200
        return " ".join(response.get_data(as_text=True).split())

    return read


def test_waltham_forest(read_tor):
    text = read_tor("waltham-forest")
    assert "Every two weeks on Wednesday, 14:00 to 17:00" in text
    assert "Five working days before the meeting" in text
    # Fortnightly from the anchor: the next sitting and its referral deadline five working days before.
    assert "Wednesday 25 November 2026, 14:00 to 17:00" in text
    assert "Referrals close: Wednesday 18 November 2026" in text
    assert "Agency Decision Maker" in text and "Print or save as PDF" in text


def test_knowsley_four_parts_in_order_with_part_attendance(read_tor):
    text = read_tor("knowsley")
    parts = ["Part 1: Adoption tracking", "Part 2: Matching and approval", "Part 3: Children placed at home",
             "Part 4: Scrutiny of plans"]
    positions = [text.index(p) for p in parts]
    assert positions == sorted(positions)
    assert "Monthly on the third Wednesday of the month, 09:30" in text
    assert "Legal status is E1 (placement order)" in text
    assert "Team Manager, YPT" in text and "Not required" in text


def test_seed_001_has_two_bodies(read_tor):
    text = read_tor("permanence-panel-pptm")
    assert "Permanence Panel (Panel)" in text
    assert "Permanence Planning Tracking Meeting" in text
    assert "Every two weeks on Tuesday, 09:30" in text
    assert "A meeting is held for each child" in text
    # 2.1: "Ensure that the use of s20 is monitored effectively", as an agenda part read in English.
    assert "Children accommodated under section 20" in text
    assert "Legal status is V2 (section 20 accommodation)" in text


def test_redbridge_escalates_to_the_managing_director(read_tor):
    text = read_tor("redbridge")
    assert "Escalation" in text and "Managing Director" in text
    # "twice a month or more often if necessary": the cadence is the minimum, and who adds sittings is named.
    assert ("At least monthly on the first Wednesday and third Wednesday of the month, 10:00 to 12:00; the Chair "
            "and the Panel administrator may add sittings.") in text
    assert "Managing Director, L.B. Redbridge" in text


def test_seed_003_first_friday_and_minutes_in_three_working_days(read_tor):
    text = read_tor("monthly-tracking-overview")
    assert "first Friday" in text
    assert "Monthly on the first Friday of the month, 10:00" in text
    assert "Three working days after the meeting" in text
    assert "Friday 4 December 2026" in text


def test_no_version_yet_says_so(app, client, tenant_a, make_user, login):
    login(make_user(tenant_a, ["tenant_admin"]))
    text = client.get("/council-a/terms-of-reference").get_data(as_text=True)
    assert "No terms of reference are in force" in text


def test_review_overdue_shows_on_the_document_and_the_admin_home(read_tor, client):
    text = read_tor("knowsley", roles=("tenant_admin",))
    home = " ".join(client.get("/knowsley/").get_data(as_text=True).split())
    assert "Terms of reference" in home
    tor = services.load_tor_from_text((REPO / "tenants/knowsley/tor.yaml").read_text())
    review = services.review_status(tor, date(2026, 11, 24))
    if review.state == "overdue":
        assert "is overdue" in text and "is overdue" in home
    elif review.state == "due_soon":
        assert "is due on" in text and "is due on" in home
    else:
        assert "Next review due on" in home


def test_seed_003_plan_by_the_second_review_in_words(read_tor):
    # due: {event: review, nth: 2} reads as the ToR says it (issue 14).
    text = read_tor("monthly-tracking-overview")
    words = " ".join(re.sub(r"<[^>]+>", " ", plain(text)).split())
    assert "Permanence plan in place by the second looked-after review By the second looked-after review. " \
        "Purpose of Tracking" in words
