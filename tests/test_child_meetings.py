"""The child's page lists every panel and tracking meeting that considered the child, on their own
or with their sibling group, newest first: the body, the date linked to the meeting, what happened
(heard with its outcome, deferred, not heard, not yet recorded, booked), the decision and the
decision record (page and PDF); ``GET /children/<id>/meetings`` gives the same list. Only what
the object rules allow; reading a sibling group's decisions is reading the siblings (audited).

Redbridge's Permanence Tracking Panel (``minutes_support``): today is Monday 1 March 2027, the
panel sat on 17 February 2027 and sits next on 3 March 2027. All people and children are fictional.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from text_support import plain
from permanence.audit.models import AuditEvent
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels.models import AgendaItem, ItemStatus, Meeting, MeetingStatus
from permanence.tor.services import active_version
from minutes_support import build_panel, fixed_today  # noqa: F401  (fixed_today is a fixture)
from tracker_support import load_seed

pytestmark = pytest.mark.usefixtures("fixed_today")


def _meeting(version_id, day, body_id="ptp", **kw) -> Meeting:
    return Meeting(body_id=body_id, tor_version_id=version_id, date=day, added_by_hand=True, **kw)


@pytest.fixture
def panel(app, make_user, make_child):
    """The panel with three more sittings of the child: deferred in January, booked at a sitting that
    was cancelled, and booked at one that sat last week with nothing recorded yet."""
    setup = build_panel(app, make_user, make_child)
    with app.app_context(), tenant_context(setup.tenant.id):
        version = active_version(setup.tenant.id).id
        january = _meeting(version, date(2027, 1, 20))
        cancelled = _meeting(version, date(2027, 2, 3), status=MeetingStatus.CANCELLED)
        last_week = _meeting(version, date(2027, 2, 24))
        db.session.add_all([january, cancelled, last_week])
        db.session.flush()
        child = setup.child.id
        db.session.add_all([
            AgendaItem(meeting_id=january.id, part_id="new-to-care", child_id=child, status=ItemStatus.DEFERRED,
                       decision="Deferred to 17 February 2027: Fictional: the care plan was not ready"),
            AgendaItem(meeting_id=cancelled.id, part_id="new-to-care", child_id=child, status=ItemStatus.BOOKED),
            AgendaItem(meeting_id=last_week.id, part_id="new-to-care", child_id=child, status=ItemStatus.BOOKED),
        ])
        commit()
        setup.ids.january, setup.ids.cancelled, setup.ids.last_week = january.id, cancelled.id, last_week.id
    return setup


def _section(html: str) -> str:
    start = html.index('id="meetings"')
    return html[start:html.index("</table>", start)]


def _rows(section: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", plain(row))).strip()
            for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', section, re.S)][1:]


def test_the_childs_page_lists_every_meeting_newest_first_with_outcome_decision_and_record(app, client, login, panel):
    login(panel.worker)
    response = client.get(f"/{panel.slug}/children/{panel.child.id}")
    assert response.status_code == 200
    section = _section(response.get_data(as_text=True))
    assert "Panel meetings" in section  # Redbridge holds no per-child tracking meetings
    rows = _rows(section)
    assert [r.split(" Permanence Tracking Panel")[0] for r in rows] == [
        "3 March 2027", "24 February 2027", "17 February 2027", "3 February 2027", "20 January 2027"]
    booked, unrecorded, heard, not_heard, deferred = rows
    assert "Booked" in booked
    assert "Not recorded yet" in unrecorded
    assert ("Heard Agreed decisions and recommended action Continue the plan for long-term fostering. "
            "Next review 19 May 2027") in heard
    assert "Not heard The meeting was cancelled" in not_heard
    assert "Deferred Deferred to 17 February 2027: Fictional: the care plan was not ready" in deferred

    # The date opens the meeting; a heard item's decision record opens as a page and as PDF.
    assert f'href="/{panel.slug}/meetings/{panel.ids.meeting}">17 February 2027</a>' in section
    assert section.count("decision-record") == 2
    for url in (f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record",
                f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record.pdf"):
        assert f'href="{url}"' in section
    assert client.get(f"/{panel.slug}/meetings/{panel.ids.meeting}").status_code == 200
    page = client.get(f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record")
    assert page.status_code == 200 and "Continue the plan for long-term fostering." in page.get_data(as_text=True)


def _reads_of(app, tenant, child_id) -> int:
    """Read events naming the child: on their own, or among the children a response showed."""
    with app.app_context(), tenant_context(tenant.id):
        reads = db.session.execute(select(AuditEvent).where(AuditEvent.action == "read")).scalars().all()
        return sum(1 for e in reads if e.entity_id == str(child_id)
                   or child_id in ((e.changes or {}).get("ids") or {}).get("Child", []))


def test_a_sibling_group_item_is_on_each_siblings_page_and_reading_it_reads_the_siblings(app, client, login, panel):
    login(panel.admin)
    before = {i: _reads_of(app, panel.tenant, i) for i in (panel.ids.sib1, panel.ids.sib2)}
    section = _section(client.get(f"/{panel.slug}/children/{panel.ids.sib1}").get_data(as_text=True))
    (row,) = _rows(section)
    assert "with the sibling group Fictional Moss siblings" in row
    assert "Escalate to the Managing Director (briefed by the Chair)" in row
    assert "Not yet agreed by" in row and "Escalate the delay." in row
    assert f"/agenda-items/{panel.ids.group_item}/decision-record" in section
    # The page reads the child; the group's decision reads the sibling too: one event names both.
    assert _reads_of(app, panel.tenant, panel.ids.sib1) == before[panel.ids.sib1] + 1
    assert _reads_of(app, panel.tenant, panel.ids.sib2) == before[panel.ids.sib2] + 1


def test_a_child_never_considered_says_so(app, client, login, panel, make_child):
    newcomer = make_child(panel.tenant, first_name="Fictional", last_name="Newcomer")
    login(panel.admin)
    html = client.get(f"/{panel.slug}/children/{newcomer.id}").get_data(as_text=True)
    assert "Not yet considered at a meeting." in html


@pytest.fixture
def api(client, make_token):
    def as_(tenant, user):
        _, secret = make_token(tenant, user)
        return lambda path: client.get(f"/{tenant.slug}/api/v1{path}", headers={"Authorization": f"Bearer {secret}"})

    return as_


def test_the_api_lists_the_same_meetings_for_who_may_see_the_child(app, client, panel, api, make_child, tenant_b):
    worker = api(panel.tenant, panel.worker)
    reads = _reads_of(app, panel.tenant, panel.child.id)
    response = worker(f"/children/{panel.child.id}/meetings")
    assert response.status_code == 200
    assert _reads_of(app, panel.tenant, panel.child.id) == reads + 1
    body = response.get_json()
    assert [(m["date"], m["state"]) for m in body] == [
        ("2027-03-03", "booked"), ("2027-02-24", "not_recorded"), ("2027-02-17", "heard"),
        ("2027-02-03", "not_heard"), ("2027-01-20", "deferred")]
    heard = body[2]
    assert heard == {
        "agenda_item_id": panel.ids.item, "meeting_id": panel.ids.meeting, "date": "2027-02-17", "body_id": "ptp",
        "body": "Permanence Tracking Panel", "kind": "panel", "part": "New children looked after (initial plan)",
        "state": "heard", "state_label": "Heard", "note": "", "sibling_group": "",
        "outcome_id": "decisions-and-actions", "outcome": "Agreed decisions and recommended action",
        "decision": "Continue the plan for long-term fostering.", "next_review_on": "2027-05-19",
        "meeting_url": f"/{panel.slug}/meetings/{panel.ids.meeting}",
        "decision_record_url": f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record",
        "decision_record_pdf_url": f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record.pdf"}
    assert body[4]["decision_record_url"] is None and body[4]["outcome"] == ""

    # Someone the object rules keep from the child gets a 403; another council's child is a 404.
    assert api(panel.tenant, panel.outsider)(f"/children/{panel.child.id}/meetings").status_code == 403
    elsewhere = make_child(tenant_b)
    assert worker(f"/children/{elsewhere.id}/meetings").status_code == 404
    spec = client.get("/api/openapi.json").get_json()
    assert "/{tenant_slug}/api/v1/children/{child_id}/meetings" in spec["paths"]


def test_tracking_meetings_are_listed_and_link_to_the_tracking_meetings_page(app, client, login, api, make_user,
                                                                            make_child):
    tenant = load_seed(app, "permanence-panel-pptm")
    manager = make_user(tenant, ["panel_administrator"], name="Fictional Business Support")
    child = make_child(tenant, first_name="Fictional", last_name="Rowan")
    with app.app_context(), tenant_context(tenant.id):
        version = active_version(tenant.id).id
        pptm = _meeting(version, date(2027, 2, 10), body_id="pptm")
        panel_sitting = _meeting(version, date(2027, 2, 16), body_id="permanence-panel")
        db.session.add_all([pptm, panel_sitting])
        db.session.flush()
        db.session.add_all([
            AgendaItem(meeting_id=pptm.id, part_id="tracking-review", child_id=child.id, status=ItemStatus.HEARD,
                       outcome_id="present-at-panel", decision="Fictional: present the plan at the panel."),
            AgendaItem(meeting_id=panel_sitting.id, part_id="plan-ratification", child_id=child.id,
                       status=ItemStatus.DEFERRED, decision="Deferred to 2 March 2027: Fictional: papers late"),
        ])
        commit()
        pptm_id = pptm.id
    login(manager)
    section = _section(client.get(f"/{tenant.slug}/children/{child.id}").get_data(as_text=True))
    assert "Panel and tracking meetings" in section
    deferred, heard = _rows(section)
    assert deferred.startswith("16 February 2027 Permanence Panel") and "Deferred" in deferred
    assert heard.startswith("10 February 2027 Permanence Planning Tracking Meeting")
    assert "Present at Permanence Panel" in heard
    assert f'href="/{tenant.slug}/tracking-meetings/{pptm_id}"' in section
    assert client.get(f"/{tenant.slug}/tracking-meetings/{pptm_id}").status_code == 200
    kinds = [m["kind"] for m in api(tenant, manager)(f"/children/{child.id}/meetings").get_json()]
    assert kinds == ["panel", "tracking_meeting"]


FEATURES = ("panels", "referrals", "agenda", "meetings", "minutes", "actions", "tracker", "imports", "exports",
            "reminders", "reports")


def test_the_cases_package_names_no_feature():
    """cases is below the features: its code imports none and its templates include none (sections are
    registered with cases.sections by the features themselves)."""
    import permanence.cases

    root = Path(permanence.cases.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for feature in FEATURES:
            assert not re.search(rf"from \.\.+{feature}\b|permanence\.{feature}\b", text), (path, feature)
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for feature in FEATURES:
            assert f'"{feature}/' not in text, (path, feature)
