"""Calendars that Outlook and Teams trust: invitations and feeds carry the Europe/London VTIMEZONE with
local DTSTART/DTEND, METHOD, a rising SEQUENCE and cancellations, and the link to join online.

Two sittings either side of the October 2026 clock change (Sunday 25 October, 02:00 BST back to
01:00 GMT): Wednesday 21 October at 14:00 London is 13:00 UTC, Wednesday 28 October at 14:00 London
is 14:00 UTC. A standard iCalendar parser must read 14:00 London for both."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from icalendar import Calendar

from agenda_support import book, emails, panel, seat  # noqa: F401
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels.models import Meeting
from permanence.tor import load_tor
from permanence.tor.loader import TorConfigError
from permanence.tor.versions import TorVersion

TEAMS = "https://teams.microsoft.com/l/meetup-join/fictional-meeting-123"
STANDING = "https://meet.example.org/fictional-standing-room"


def _sittings(app, panel):
    """Move the fixture's first two sittings to 21 and 28 October 2026, 14:00 to 16:00 London."""
    with app.app_context(), tenant_context(panel["tenant"].id):
        before = db.session.get(Meeting, panel["meeting_id"])
        before.date = date(2026, 10, 21)
        before.starts_at = datetime(2026, 10, 21, 13, 0, tzinfo=timezone.utc)  # BST
        before.ends_at = datetime(2026, 10, 21, 15, 0, tzinfo=timezone.utc)
        after = db.session.get(Meeting, panel["next_meeting_id"])
        after.date = date(2026, 10, 28)
        after.starts_at = datetime(2026, 10, 28, 14, 0, tzinfo=timezone.utc)  # GMT
        after.ends_at = datetime(2026, 10, 28, 16, 0, tzinfo=timezone.utc)
        commit()
    return panel["meeting_id"], panel["next_meeting_id"]


def _setup(app, client, login, panel, travel):
    travel(date(2026, 10, 1))
    before, after = _sittings(app, panel)
    tenant = panel["tenant"]
    seat(app, tenant, panel["nurse"])
    book(app, tenant, before, panel["children"][0])
    book(app, tenant, after, panel["children"][1])
    login(panel["admin"])
    return tenant, before, after


def _invitations(app, tenant, to="nurse@health.example.org"):
    return [(e["subject"], Calendar.from_ical(e["calendar"])) for e in emails(app, tenant)
            if e["to"] == to and e["calendar"]]


def _london(value: datetime) -> tuple[str, str]:
    return value.strftime("%Y-%m-%d %H:%M"), str(value.tzinfo)


def test_invitations_either_side_of_the_clock_change_show_14_00_london(app, client, login, panel, travel, work_jobs):
    tenant, before, after = _setup(app, client, login, panel, travel)
    for meeting_id in (before, after):
        assert "The agenda is published" in client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish",
                                                         follow_redirects=True).text
    work_jobs()
    (_, first), (_, second) = _invitations(app, tenant)
    for cal, day in ((first, "2026-10-21"), (second, "2026-10-28")):
        assert str(cal["method"]) == "REQUEST"
        (zone,) = cal.walk("VTIMEZONE")
        assert str(zone["tzid"]) == "Europe/London"
        (event,) = cal.walk("VEVENT")
        assert event["dtstart"].params["TZID"] == "Europe/London"
        assert _london(event.decoded("dtstart")) == (f"{day} 14:00", "Europe/London")
        assert event.decoded("dtstamp").utcoffset().total_seconds() == 0  # DTSTAMP stays UTC
    assert "DTSTART;TZID=Europe/London:20261028T140000" in second.to_ical().decode()
    assert "DTSTART;TZID=Europe/London:20261021T140000" in first.to_ical().decode()


def test_the_feed_is_published_with_the_zone_and_local_times(app, client, login, panel, travel):
    _, before, after = _setup(app, client, login, panel, travel)
    login(panel["nurse"])
    page = client.post("/knowsley/calendar-feed")
    path = re.search(r'value="(http[^"]+\.ics)"', page.text).group(1).split("localhost", 1)[1]
    cal = Calendar.from_ical(client.get(path).data)
    assert str(cal["method"]) == "PUBLISH"
    assert [str(z["tzid"]) for z in cal.walk("VTIMEZONE")] == ["Europe/London"]
    starts = {str(e["uid"]): _london(e.decoded("dtstart")) for e in cal.walk("VEVENT")}
    assert starts[f"meeting-{before}@knowsley.permanence"] == ("2026-10-21 14:00", "Europe/London")
    assert starts[f"meeting-{after}@knowsley.permanence"] == ("2026-10-28 14:00", "Europe/London")


def test_a_changed_sitting_published_again_has_a_higher_sequence(app, client, login, panel, travel, work_jobs):
    tenant, _, after = _setup(app, client, login, panel, travel)
    client.post(f"/knowsley/meetings/{after}/agenda/publish")
    with app.app_context(), tenant_context(tenant.id):
        row = db.session.get(Meeting, after)
        row.starts_at = datetime(2026, 10, 28, 15, 0, tzinfo=timezone.utc)
        row.ends_at = datetime(2026, 10, 28, 17, 0, tzinfo=timezone.utc)
        commit()
    client.post(f"/knowsley/meetings/{after}/agenda/publish")
    work_jobs()
    (_, old), (subject, new) = _invitations(app, tenant)
    assert subject.endswith("(updated)")
    old_event, new_event = old.walk("VEVENT")[0], new.walk("VEVENT")[0]
    assert str(old_event["uid"]) == str(new_event["uid"])
    assert (int(old_event["sequence"]), int(new_event["sequence"])) == (0, 1)
    assert _london(new_event.decoded("dtstart")) == ("2026-10-28 15:00", "Europe/London")


def test_the_online_link_is_set_on_the_sitting_and_goes_in_the_invitation_and_agenda(app, client, login, panel, travel,
                                                                                    work_jobs):
    tenant, _, after = _setup(app, client, login, panel, travel)
    response = client.post(f"/knowsley/meetings/{after}/online-link", data={"online_link": TEAMS},
                           follow_redirects=True)
    assert "The online meeting link is saved" in response.text and "Join online: <a" in response.text
    assert TEAMS in client.get(f"/knowsley/meetings/{after}/agenda").text
    client.post(f"/knowsley/meetings/{after}/agenda/publish")
    work_jobs()
    (_, cal), = _invitations(app, tenant)
    event = cal.walk("VEVENT")[0]
    assert f"Join online: {TEAMS}" in str(event["description"])
    assert str(event["x-microsoft-skypeteamsmeetingurl"]) == TEAMS
    assert str(event["location"]) == "In person"  # the venue is in person: the link is in the description
    body = next(e["body"] for e in emails(app, tenant) if e["to"] == "nurse@health.example.org")
    assert f"Join online: {TEAMS}" in body
    cleared = client.post(f"/knowsley/meetings/{after}/online-link", data={"online_link": ""}, follow_redirects=True)
    assert "The online meeting link is removed" in cleared.text and "No link to join online" in cleared.text


def test_a_bad_online_link_is_refused_naming_the_field(app, client, login, panel, travel):
    _, _, after = _setup(app, client, login, panel, travel)
    response = client.post(f"/knowsley/meetings/{after}/online-link", data={"online_link": "http://insecure.example.org"})
    assert response.status_code == 400
    assert "The online meeting link must be a web address starting https://" in response.text
    response = client.post(f"/knowsley/meetings/{after}/online-link",
                           data={"online_link": "https://example.org/" + "x" * 500})
    assert response.status_code == 400 and "The online meeting link must be at most 500 characters" in response.text
    login(panel["nurse"])
    assert client.post(f"/knowsley/meetings/{after}/online-link", data={"online_link": TEAMS}).status_code == 403


def test_the_venues_standing_link_is_used_when_the_sitting_has_none(app, client, login, panel, travel, work_jobs):
    tenant, _, after = _setup(app, client, login, panel, travel)
    with app.app_context(), tenant_context(tenant.id):
        row = db.session.get(Meeting, after)
        marker = "      note: The ToR does not state a venue.\n"
        assert marker in row.tor_version.source_text
        online = "      kind: online\n" + marker + f"      link: {STANDING}\n"  # the panel now meets online
        version = TorVersion(number=99, source_text=row.tor_version.source_text.replace(
            "      kind: in_person\n" + marker, online, 1), checksum="e" * 64, loaded_by="cli")
        db.session.add(version)
        db.session.flush()
        row.tor_version_id = version.id
        commit()
    assert f"Join online: <a class=\"govuk-link\" href=\"{STANDING}\"" in client.get(f"/knowsley/meetings/{after}").text
    assert STANDING in client.get(f"/knowsley/meetings/{after}/agenda").text
    client.post(f"/knowsley/meetings/{after}/agenda/publish")
    work_jobs()
    (_, cal), = _invitations(app, tenant)
    event = cal.walk("VEVENT")[0]
    assert f"Join online: {STANDING}" in str(event["description"])
    assert "x-microsoft-skypeteamsmeetingurl" not in event  # not a Teams link
    assert str(event["location"]) == STANDING  # an online venue: the link is where it is held


def test_a_bad_venue_link_in_the_terms_of_reference_is_refused_with_its_line(tmp_path):

    source = (Path(__file__).resolve().parents[1] / "tenants" / "knowsley" / "tor.yaml").read_text()
    marker = "      note: The ToR does not state a venue.\n"
    (tmp_path / "tor.yaml").write_text(source.replace(marker, marker + "      link: http://insecure.example.org\n", 1))
    with pytest.raises(TorConfigError) as raised:
        load_tor(tmp_path)
    line = source[:source.index(marker)].count("\n") + 2
    assert "online-meeting link must be a web address starting https://" in str(raised.value)
    assert f"tor.yaml:{line} bodies[0].venue.link" in str(raised.value)


def test_cancelling_a_published_sitting_sends_members_a_cancel(app, client, login, panel, travel, work_jobs):
    tenant, _, after = _setup(app, client, login, panel, travel)
    client.post(f"/knowsley/meetings/{after}/agenda/publish")
    client.post(f"/knowsley/meetings/{after}/cancel", data={"reason": "Not quorate"})
    work_jobs()
    (_, invited), (subject, cancelled) = _invitations(app, tenant)
    assert "cancelled" in subject
    assert str(cancelled["method"]) == "CANCEL"
    before_event, event = invited.walk("VEVENT")[0], cancelled.walk("VEVENT")[0]
    assert str(event["status"]) == "CANCELLED" and str(event["uid"]) == str(before_event["uid"])
    assert int(event["sequence"]) > int(before_event["sequence"])
    assert _london(event.decoded("dtstart")) == ("2026-10-28 14:00", "Europe/London")
