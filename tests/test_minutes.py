"""Minutes: assembled from the record, two people editing at once (a conflict, never a silent
overwrite), approval by the chair, circulation by link, the overdue flag, and the per-child
decision record as a page and a PDF."""

from __future__ import annotations

import re
import zlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from permanence.audit.models import AuditEvent
from permanence.cases.models import Child
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.minutes import services
from permanence.minutes.assembly import assemble_text
from permanence.notifications.models import EmailMessage
from permanence.panels.models import Meeting, Minutes, MinutesStatus, PanelMember
from permanence.tor.services import activate_version, store_version
from minutes_support import add_action_row, fixed_today, panel  # noqa: F401  (fixtures)

REPO = Path(__file__).resolve().parents[1]


def _minutes(app, panel):
    with app.app_context(), tenant_context(panel.tenant.id):
        row = db.session.execute(select(Minutes)).scalar_one_or_none()
        db.session.expunge_all()
        return row


def _url(panel, tail=""):
    return f"/{panel.slug}/meetings/{panel.ids.meeting}/minutes{tail}"


def test_the_minutes_are_assembled_from_the_record_in_agenda_order(app, panel, fixed_today):
    add_action_row(app, panel, panel.ids.item, owner=panel.worker, due_on=date(2027, 3, 31),
                   description="Send the later-life letter draft to the chair")
    with app.app_context(), tenant_context(panel.tenant.id):
        minutes = assemble_text(db.session.get(Meeting, panel.ids.meeting))
    assert minutes.startswith("Permanence Tracking Panel\nMinutes of the meeting on Wednesday 17 February 2027")
    present = minutes.split("Present\n", 1)[1].split("\n\n", 1)[0]
    assert "Fictional Chair Amara, Chair" in present and "Fictional Nurse Esme, CLAFH Nurse" in present
    assert "Fictional Head Teacher, Virtual Head Teacher, represented by Fictional Deputy Head" in minutes
    assert "Apologies\n- Fictional Administrator Cleo, Panel Administrator" in minutes
    assert "The meeting was quorate" in minutes
    assert ("- Fictional Nurse Esme: Knows the foster carer (item: Fictional Moss siblings (Fictional, Fictional) "
            "(RB-SIB-0001, RB-SIB-0002)). Chair's ruling: left the meeting for the item.") in minutes
    first, second = minutes.split("\n1. ", 1)[1].split("\n2. ", 1)
    assert first.startswith("Fictional Ollie (RB-CASE-0042)\n   Part: New children looked after (initial plan)")
    assert "Discussion: Fictional discussion: placement stable" in first
    assert "Care plan confirmed: yes. Legal status confirmed: yes." in first
    assert "Outcome: Agreed decisions and recommended action" in first  # the ToR's own words
    assert "Decision: Continue the plan for long-term fostering." in first
    assert "- Send the later-life letter draft to the chair (who: Fictional Worker Dev; by: 31 March 2027)" in first
    assert "Next review: 19 May 2027" in first
    assert second.startswith("Fictional Moss siblings")
    assert "Outcome: Escalate to the Managing Director (briefed by the Chair)" in second
    assert "Sign-off: Not yet agreed by Head of service" in second
    assert "booked" not in minutes.lower() or "Fictional Ollie" not in minutes.split("2. ", 1)[1]


def test_two_chairs_editing_the_same_minutes_get_a_conflict_not_an_overwrite(app, client, login, panel,
                                                                              fixed_today):
    login(panel.admin)
    assert client.post(_url(panel, "/assemble")).status_code == 302
    start = _minutes(app, panel)
    # Both chairs open the page at the same revision.
    for user in (panel.chair, panel.vice):
        login(user)
        assert f'name="revision" type="hidden" value="{start.revision}"' in client.get(_url(panel)).text
    login(panel.chair)
    assert client.post(_url(panel), data={"text": "Chair's version of the minutes",
                                          "revision": start.revision}).status_code == 302
    login(panel.vice)
    response = client.post(_url(panel), data={"text": "Vice-chair's version of the minutes",
                                              "revision": start.revision})
    assert response.status_code == 409
    assert "Your changes were not saved" in response.text
    assert "Chair&#39;s version of the minutes" in response.text  # theirs, to compare
    assert "Vice-chair&#39;s version of the minutes" in response.text  # mine, not lost
    saved = _minutes(app, panel)
    assert saved.text == "Chair's version of the minutes" and saved.revision == start.revision + 1
    # The vice-chair merges and saves from the conflict page, which carries the new revision.
    assert f'value="{saved.revision}"' in response.text
    assert client.post(_url(panel), data={"text": "Merged version", "revision": saved.revision}).status_code == 302
    assert _minutes(app, panel).text == "Merged version"


def test_a_save_racing_another_is_refused_by_the_version_counter(app, panel, fixed_today):
    """Both read revision 1; the other save lands between our read and our write: SQLAlchemy's
    version counter refuses our UPDATE and we get the conflict with their text."""
    with app.app_context(), tenant_context(panel.tenant.id):
        meeting = db.session.get(Meeting, panel.ids.meeting)
        services.assemble(meeting, by=None)
        commit()
    with app.app_context(), tenant_context(panel.tenant.id):
        minutes = db.session.execute(select(Minutes)).scalar_one()
        seen = minutes.revision
        with db.engine.begin() as other:  # another person's request, committed meanwhile
            other.execute(text("UPDATE minutes SET text = 'Their text', revision = revision + 1 WHERE id = :id"),
                          {"id": minutes.id})
        with pytest.raises(services.MinutesConflict) as caught:
            services.save_minutes(minutes, "My text", seen, by=db.session.get(type(panel.chair), panel.chair.id))
        assert (caught.value.text, caught.value.revision) == ("Their text", seen + 1)
        commit()
    assert _minutes(app, panel).text == "Their text"


def test_assembling_again_asks_before_replacing_edits(app, client, login, panel, fixed_today):
    login(panel.admin)
    client.post(_url(panel, "/assemble"))
    minutes = _minutes(app, panel)
    client.post(_url(panel), data={"text": "Hand-edited minutes", "revision": minutes.revision})
    edited = _minutes(app, panel)
    page = client.post(_url(panel, "/assemble"), data={"revision": edited.revision})
    assert page.status_code == 200 and "Replace the edited minutes?" in page.text
    assert _minutes(app, panel).text == "Hand-edited minutes"
    # Someone saves again before the confirmation is clicked: the replacement is a conflict.
    client.post(_url(panel), data={"text": "Edited again", "revision": edited.revision})
    stale = client.post(_url(panel, "/assemble"), data={"replace": "yes", "revision": edited.revision})
    assert stale.status_code == 409 and _minutes(app, panel).text == "Edited again"
    current = _minutes(app, panel)
    assert client.post(_url(panel, "/assemble"), data={"replace": "yes",
                                                       "revision": current.revision}).status_code == 302
    assert _minutes(app, panel).text.startswith("Permanence Tracking Panel")


def test_the_chair_approves_and_further_edits_need_reopening(app, client, login, panel, fixed_today):
    login(panel.admin)
    client.post(_url(panel, "/assemble"))
    minutes = _minutes(app, panel)
    assert client.post(_url(panel, "/approve"), data={"revision": minutes.revision}).status_code == 403
    login(panel.chair)
    assert client.post(_url(panel, "/approve"), data={"revision": minutes.revision - 1}).status_code == 409
    assert _minutes(app, panel).status == MinutesStatus.DRAFT
    assert client.post(_url(panel, "/approve"), data={"revision": minutes.revision}).status_code == 302
    approved = _minutes(app, panel)
    assert approved.status == MinutesStatus.APPROVED and approved.approved_by_id == panel.chair.id
    response = client.post(_url(panel), data={"text": "Sneaky change", "revision": approved.revision})
    assert response.status_code == 409 and "reopen them to edit" in response.text
    assert _minutes(app, panel).text == approved.text
    response = client.post(_url(panel, "/reopen"), data={"reason": ""})
    assert response.status_code == 400 and "Enter the reason for reopening" in response.text
    assert client.post(_url(panel, "/reopen"), data={"reason": "Wrong review date"}).status_code == 302
    assert _minutes(app, panel).status == MinutesStatus.DRAFT
    with app.app_context(), tenant_context(panel.tenant.id):
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "reopen")).scalar_one()
        assert "Wrong review date" in event.summary and event.actor_id == panel.chair.id


def test_circulation_sends_links_not_the_text_to_members_and_presenters(app, client, login, panel, fixed_today):
    with app.app_context(), tenant_context(panel.tenant.id):
        db.session.add(PanelMember(body_id="ptp", user_id=panel.vice.id, role="service-manager", title="Vice chair"))
        commit()
    login(panel.admin)
    client.post(_url(panel, "/assemble"))
    assert client.post(_url(panel, "/circulate")).status_code == 409  # not approved yet
    login(panel.chair)
    client.post(_url(panel, "/approve"), data={"revision": _minutes(app, panel).revision})
    login(panel.worker)
    assert client.post(_url(panel, "/circulate")).status_code == 403
    login(panel.admin)
    response = client.post(_url(panel, "/circulate"))
    assert response.status_code == 302
    assert _minutes(app, panel).status == MinutesStatus.CIRCULATED
    with app.app_context(), tenant_context(panel.tenant.id):
        mails = {m.to_address: m for m in db.session.execute(select(EmailMessage)).scalars()}
    # The nurse sits on the panel but was ruled out of an item: no minutes for her.
    assert set(mails) == {"vice@example.org", "worker@example.org"}
    assert f"/{panel.slug}/meetings/{panel.ids.meeting}/minutes" in mails["vice@example.org"].body
    assert f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record" in mails["worker@example.org"].body
    for mail in mails.values():
        assert "RB-CASE-0042" not in mail.body and "Ollie" not in mail.body and "Fictional discussion" not in mail.body


def test_minutes_not_circulated_by_the_tors_deadline_are_flagged_overdue(app, client, login, panel, fixed_today,
                                                                          travel):
    login(panel.admin)
    page = client.get(_url(panel)).text
    # Redbridge: minutes 5 working days after the sitting of Wednesday 17 February 2027.
    assert "24 February 2027" in page and "data-minutes-overdue" in page
    overview = client.get(f"/{panel.slug}/minutes/?overdue=y").text
    assert f'data-meeting="{panel.ids.meeting}"' in overview and f'data-meeting="{panel.ids.later}"' not in overview
    travel(date(2027, 2, 24))
    assert "data-minutes-overdue" not in client.get(_url(panel)).text
    assert "No minutes are overdue" in client.get(f"/{panel.slug}/minutes/?overdue=y").text
    travel(date(2027, 3, 1))
    client.post(_url(panel, "/assemble"))
    login(panel.chair)
    client.post(_url(panel, "/approve"), data={"revision": _minutes(app, panel).revision})
    client.post(_url(panel, "/circulate"))
    assert "data-minutes-overdue" not in client.get(_url(panel)).text
    login(panel.worker)
    assert client.get(f"/{panel.slug}/minutes/").status_code == 403


def test_who_may_read_the_minutes(app, client, login, panel, fixed_today):
    login(panel.worker)  # before any minutes: the page names only the items the member may see
    page = client.get(_url(panel)).text
    assert "RB-CASE-0042" in page and "RB-SIB-0001" not in page and "Moss" not in page
    login(panel.admin)
    client.post(_url(panel, "/assemble"))
    login(panel.worker)  # not on the panel: the minutes hold other children's details
    assert client.get(_url(panel)).status_code == 403
    login(panel.partner)  # seated, but ruled out of an item at this meeting
    assert client.get(_url(panel)).status_code == 403
    login(panel.chair)
    assert "Fictional Ollie (RB-CASE-0042)" in client.get(_url(panel)).text


def _pdf_text(pdf: bytes) -> bytes:
    """The PDF's streams inflated (WeasyPrint compresses them), enough to find the outline titles."""
    out = [pdf]
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            pass
    return b"\n".join(out)


def test_the_decision_record_page_and_pdf(app, client, login, panel, fixed_today):
    add_action_row(app, panel, panel.ids.item, owner=panel.worker, due_on=date(2027, 3, 31),
                   description="Send the later-life letter draft to the chair")
    login(panel.worker)  # the child's social worker
    page = client.get(f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record")
    assert page.status_code == 200
    html = page.text
    for expected in ("Redbridge", "Permanence Tracking Panel", "Wednesday 17 February 2027", "Fictional Ollie",
                     "RB-CASE-0042", "Agreed decisions and recommended action",
                     "Continue the plan for long-term fostering.", "Send the later-life letter draft to the chair",
                     "31 March 2027", "19 May 2027", "Fictional Chair Amara", "Download as PDF"):
        assert expected in html, expected
    with app.app_context(), tenant_context(panel.tenant.id):
        assert db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "read", AuditEvent.entity_type == "Child",
            AuditEvent.entity_id == str(panel.child.id))).first() is not None
    pdf = client.get(f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert b"RB-CASE-0042" in _pdf_text(pdf.data)
    assert "no-store" in pdf.headers["Cache-Control"]


def test_the_decision_record_says_whose_agreement_is_awaited_and_follows_the_object_rules(app, client, login, panel,
                                                                                          fixed_today):
    login(panel.chair)
    html = client.get(f"/{panel.slug}/agenda-items/{panel.ids.group_item}/decision-record").text
    assert "Not yet agreed by Head of service" in html and "RB-SIB-0001" in html and "RB-SIB-0002" in html
    login(panel.partner)  # seated; ruled out of the sibling group's item
    assert client.get(f"/{panel.slug}/agenda-items/{panel.ids.group_item}/decision-record").status_code == 403
    assert client.get(f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record").status_code == 200
    login(panel.outsider)
    assert client.get(f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record.pdf").status_code == 403
    login(panel.chair)  # an item not yet heard has no decision record
    assert client.get(f"/{panel.slug}/agenda-items/{panel.ids.next_item}/decision-record").status_code == 404


def test_decision_records_go_where_the_tors_record_sent_to_says(app, client, login, panel, fixed_today, make_user):
    """Redbridge's record sent to the social worker, the child's IRO and the panel's members: when the
    minutes go out, the IRO allocated to the child gets its decision record, the members' minutes
    e-mail lists every record they may read, and another IRO (not the child's) gets nothing."""
    iro = make_user(panel.tenant, ["iro"], name="Fictional IRO Gwen", email="iro@example.org")
    make_user(panel.tenant, ["iro"], name="Fictional IRO Hal", email="other-iro@example.org")
    tor_text = (REPO / "tenants" / "redbridge" / "tor.yaml").read_text()
    assert "    record:\n" in tor_text
    tor_text = tor_text.replace("    record:\n", "    record:\n      sent_to: [social-worker, independent-reviewing-officer, "
                                        "members]\n", 1)
    with app.app_context(), tenant_context(panel.tenant.id):
        version = store_version(panel.tenant.id, tor_text, filename="tor.yaml", loaded_by="cli").version
        activate_version(version)
        db.session.get(Meeting, panel.ids.meeting).tor_version_id = version.id
        db.session.get(Child, panel.child.id).iro_id = iro.id
        db.session.add(PanelMember(body_id="ptp", user_id=panel.vice.id, role="service-manager", title="Vice chair"))
        commit()
    login(panel.admin)
    client.post(_url(panel, "/assemble"))
    login(panel.chair)
    client.post(_url(panel, "/approve"), data={"revision": _minutes(app, panel).revision})
    login(panel.admin)
    assert client.post(_url(panel, "/circulate")).status_code == 302
    with app.app_context(), tenant_context(panel.tenant.id):
        mails = {m.to_address: m.body for m in db.session.execute(select(EmailMessage)).scalars()}
    record = f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record"
    group_record = f"/{panel.slug}/agenda-items/{panel.ids.group_item}/decision-record"
    assert record in mails["iro@example.org"] and group_record not in mails["iro@example.org"]
    assert "other-iro@example.org" not in mails and "outsider@example.org" not in mails
    assert record in mails["worker@example.org"]
    vice = mails["vice@example.org"]
    assert f"/{panel.slug}/meetings/{panel.ids.meeting}/minutes" in vice and record in vice and group_record in vice
    assert "nurse@example.org" not in mails  # ruled out of an item: sent neither minutes nor its record
