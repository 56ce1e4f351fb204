"""Each member's private calendar feed: made on their page (shown once, only a hash kept), read at a
public address by its secret, holding their sittings and presenter slots, never a child's name."""

from __future__ import annotations

import hashlib
import re

from icalendar import Calendar
from sqlalchemy import select

from agenda_support import book, panel, seat  # noqa: F401
from permanence.accounts.models import Membership
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.panels.models import Meeting, MeetingStatus


def _make_feed(client):
    page = client.post("/knowsley/calendar-feed")
    assert page.status_code == 200
    address = re.search(r'value="(http[^"]+\.ics)"', page.text).group(1)
    return address.split("localhost", 1)[1], page


def _hash(app, tenant, user):
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(Membership.calendar_token_hash)
                                  .where(Membership.user_id == user.id)).scalar_one()


def _events(response):
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return {str(e["summary"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def test_the_feed_address_is_shown_once_and_only_its_hash_is_kept(app, client, login, panel):
    tenant = panel["tenant"]
    login(panel["nurse"])
    assert "You have no feed address yet" in client.get("/knowsley/calendar-feed").text
    path, page = _make_feed(client)
    token = path.rsplit("/", 1)[1][:-4]
    assert "it will not be shown again" in page.text
    assert _hash(app, tenant, panel["nurse"]) == hashlib.sha256(token.encode()).hexdigest()
    again = client.get("/knowsley/calendar-feed").text
    assert token not in again and "You have a feed address" in again
    with client.session_transaction() as session:
        session.clear()
    assert client.get(path).status_code == 200  # no sign-in: the secret is the key


def test_the_feed_holds_the_members_sittings_and_presenter_slots_without_names(app, client, login, panel):
    tenant = panel["tenant"]
    seat(app, tenant, panel["worker"], role="team-manager", title="Team Manager CLA 1 and 2")
    item_id = book(app, tenant, panel["meeting_id"], panel["children"][0], presenter_id=panel["worker"].id)
    book(app, tenant, panel["meeting_id"], panel["children"][1], presenter_id=panel["manager"].id)
    with app.app_context(), tenant_context(tenant.id):
        cancelled = db.session.get(Meeting, panel["next_meeting_id"])
        cancelled.status = MeetingStatus.CANCELLED
        db.session.commit()
    login(panel["worker"])
    path, _ = _make_feed(client)
    response = client.get(path)
    text = response.data.decode()
    assert "Ava" not in text and "Ben" not in text and "Fictional" not in text
    events = _events(response)
    case = panel["children"][0].case_number
    slot = events[f"Presenting A.F. ({case}) at Multi-Agency Permanency Panel"]
    assert str(slot["uid"]) == f"agenda-item-{item_id}-meeting-{panel['meeting_id']}@knowsley.permanence"
    assert slot.decoded("dtstart").strftime("%Y-%m-%d %H:%M") == "2026-12-16 09:30"
    assert not any(panel["children"][1].case_number in summary for summary in events)  # not their slot
    sittings = [e for e in Calendar.from_ical(response.data).walk("VEVENT")
                if str(e["summary"]) == "Multi-Agency Permanency Panel"]
    assert len(sittings) >= 6  # the sittings generated for the next six months
    assert [str(e["status"]) for e in sittings].count("CANCELLED") == 1


def test_a_new_address_stops_the_old_one_and_a_stopped_or_unknown_feed_is_not_found(app, client, login, panel):
    login(panel["nurse"])
    old, _ = _make_feed(client)
    new, _ = _make_feed(client)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.post("/knowsley/calendar-feed/stop", follow_redirects=True).status_code == 200
    assert client.get(new).status_code == 404
    assert client.get("/knowsley/calendar/not-a-real-secret.ics").status_code == 404
    assert client.get(new.replace("/knowsley/", "/no-such-council/")).status_code == 404


def test_a_feed_secret_of_one_council_does_not_open_another(app, client, login, panel, make_tenant, make_user):
    other = make_tenant("council-b", "Council B")
    login(panel["nurse"])
    path, _ = _make_feed(client)
    assert client.get(path.replace("/knowsley/", "/council-b/")).status_code == 404
    assert other.slug == "council-b"


def test_the_audit_log_says_the_feed_address_changed_but_never_holds_its_hash(app, client, login, panel):
    from permanence.audit.models import AuditEvent

    tenant = panel["tenant"]
    login(panel["nurse"])
    _make_feed(client)
    digest = _hash(app, tenant, panel["nurse"])
    with app.app_context(), tenant_context(tenant.id):
        events = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "Membership",
                                                             AuditEvent.action == "update")).scalars().all()
        assert [e.changes["calendar_token_hash"]["after"] for e in events] == ["[redacted]"]
        assert not any(digest in str(e.changes) for e in db.session.execute(select(AuditEvent)).scalars())


def test_a_feed_naming_a_child_is_a_read_by_its_member_of_that_child_only(app, client, login, panel):
    from permanence.audit.models import AuditEvent

    tenant = panel["tenant"]
    book(app, tenant, panel["meeting_id"], panel["children"][0], presenter_id=panel["worker"].id)
    book(app, tenant, panel["meeting_id"], panel["children"][1], presenter_id=panel["manager"].id)
    login(panel["worker"])
    path, _ = _make_feed(client)
    with client.session_transaction() as session:
        session.clear()  # a calendar program signs in to nothing: the secret is the key
    assert client.get(path).status_code == 200
    with app.app_context(), tenant_context(tenant.id):
        (read,) = db.session.execute(select(AuditEvent).where(AuditEvent.action == "read")).scalars().all()
    assert read.actor_id == panel["worker"].id and read.actor_label.endswith("(calendar feed)")
    assert read.entity_type == "Child" and read.entity_id == str(panel["children"][0].id)
