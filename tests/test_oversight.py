"""The senior manager's oversight: read-only across the service (the tracker, every child's record,
meetings with their agendas, records, minutes and decision records, drift and actions), with no
editing rights; they keep what their place at the top of the escalation ladders needs
(acknowledging and escalating drift) and their sign-off as a named decision maker. Every page
they reach renders, and no page offers them a form or a link they may not use.

Redbridge's Permanence Tracking Panel sat on 17 February 2027 (``minutes_support``); today is
Monday 1 March 2027, the clock frozen with time-machine.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from sqlalchemy import select

from permanence.accounts.permissions import PUBLIC, SIGNED_IN, declared_access
from permanence.accounts.roles import ROLE_PERMISSIONS
from permanence.core import jobs
from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.minutes import services as minutes_services
from permanence.panels.models import Declaration, Meeting
from permanence.tracker.jobs import nightly_tracker_job
from permanence.tracker.models import Drift
from minutes_support import add_action_row, build_panel
from tracker_support import crafted_children

TODAY = date(2027, 3, 1)
SENIOR = ROLE_PERMISSIONS["senior_manager"]
# The only changes a senior manager makes: acknowledging and escalating drift, their sign-off, their own
# declaration of interest where they sit on a panel, a ruling where they hold the chair's seat, their
# own calendar feed, and convening a meeting for a child where the ToR names their role (convened_by).
# Beyond acknowledging and escalating drift, a senior manager acts where the ToR names their role: signs
# off, convenes a meeting for one child, decides between sittings or a review, asks for a review. The
# object rules (their role named in that body's ToR, the child's own holder) decide each case.
# Their own choice of straight-away e-mails or a daily digest is theirs to make, as anyone's.
ALLOWED_WRITES = {"web.notice_preferences", "tracker.acknowledge", "tracker.escalate", "meetings.save_sign_off", "meetings.declare_own",
                  "meetings.rule", "calendar_feed.create", "calendar_feed.stop", "tracking_meetings.convene",
                  "meetings.save_urgent_decision", "meetings.save_review_request",
                  "meetings.save_review_request_of_urgent_decision", "meetings.decide_review"}


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY


@pytest.fixture
def service(app, make_user, make_child, clock):
    """Redbridge's heard meeting with minutes assembled, an overdue action, a child in drift (LATE-1,
    first review missed; escalated by the nightly run) and a senior manager who sits on no panel."""
    panel = build_panel(app, make_user, make_child)
    senior = make_user(panel.tenant, ["senior_manager"], name="Fictional Senior Sol", email="senior@example.org")
    action_id = add_action_row(app, panel, panel.ids.item, owner=panel.worker, due_on=date(2027, 2, 24),
                               description="Book the later-life letter session")
    with app.app_context(), tenant_context(panel.tenant.id):
        minutes_services.assemble(db.session.get(Meeting, panel.ids.meeting), panel.admin)
        late = next(c for c in crafted_children() if c.case_number == "LATE-1")
        db.session.add(late)
        db.session.flush()
        nightly_tracker_job(TODAY.isoformat())
        jobs.commit()
        drift_id = db.session.execute(select(Drift.id).where(Drift.rule_id == "first-review")).scalar_one()
        late_id = late.id
    return panel, senior, action_id, drift_id, late_id


def _pages(panel, drift_id, late_id):
    s, ids = panel.slug, panel.ids
    return {
        "home": f"/{s}/",
        "tracker": f"/{s}/tracker/",
        "drift": f"/{s}/tracker/drift",
        "one drift": f"/{s}/tracker/drift/{drift_id}",
        "children": f"/{s}/children/",
        "child": f"/{s}/children/{late_id}",
        "meetings": f"/{s}/meetings/",
        "sitting": f"/{s}/meetings/{ids.meeting}",
        "agenda": f"/{s}/meetings/{ids.meeting}/agenda",
        "next agenda": f"/{s}/meetings/{ids.later}/agenda",
        "record": f"/{s}/meetings/{ids.meeting}/record",
        "item record": f"/{s}/agenda-items/{ids.item}/record",
        "minutes": f"/{s}/meetings/{ids.meeting}/minutes",
        "decision record": f"/{s}/agenda-items/{ids.item}/decision-record",
        "sign-off": f"/{s}/agenda-items/{ids.group_item}/sign-off",
        "actions": f"/{s}/actions/",
        "minutes list": f"/{s}/minutes/",
    }


def _endpoint(app, path, method):
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method=method)
    except Exception:  # noqa: BLE001 - a path the URL map does not know
        return None
    return endpoint


def test_the_senior_manager_opens_every_page_of_oversight(app, client, login, service):
    panel, senior, action_id, drift_id, late_id = service
    login(senior)
    pages = _pages(panel, drift_id, late_id)
    texts = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        texts[name] = response.text
    assert "Across the service" in texts["home"]
    assert "You read them but do not change them" in texts["home"]
    assert "Fictional Moss siblings" in texts["home"]  # waiting for the head of service's agreement
    assert "2 open, 2 escalated; up from 0 four weeks ago</dd>" in " ".join(texts["home"].split())
    assert "LATE-1" in texts["tracker"] and "RB-CASE-0042" in texts["tracker"]  # every child of the council
    assert "LATE-1" in texts["drift"] and "First looked-after review" in texts["one drift"]
    assert "Continue the plan for long-term fostering." in texts["decision record"]
    assert "Book the later-life letter session" in texts["actions"]
    assert "Fictional Ollie (RB-CASE-0042)" in texts["minutes"]
    assert "Fictional Ollie" in texts["next agenda"]
    # The PDF of the decision record too.
    pdf = client.get(pages["decision record"] + ".pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_service_at_a_glance_counts_drift_due_to_climb_before_the_nightly_run_takes_it(
        app, client, login, service):
    """Months after the nightly run escalated the drift, with no run since, the home page counts the
    open and escalated items, and those the ladder's time has come for as the drift page does."""
    panel, senior, *_ = service
    with time_machine.travel(datetime(2027, 6, 1, 9, tzinfo=LONDON), tick=False):
        login(senior)
        home = " ".join(client.get(f"/{panel.slug}/").text.split())
        drift = " ".join(client.get(f"/{panel.slug}/tracker/drift").text.split())
    assert "2 open, 2 escalated; level from 2 four weeks ago</dd>" in home
    # Redbridge's next step is the chair's decision, not a date: nothing waits for the nightly run,
    # on the drift page or in the count.
    assert drift.count("when the chair decides") == 2 and "waiting for the nightly run" not in drift
    assert "due to escalate at the next nightly run" not in home


def test_no_page_offers_the_senior_manager_a_form_or_link_they_may_not_use(app, client, login, service):
    panel, senior, action_id, drift_id, late_id = service
    login(senior)
    checked = set()
    for name, url in _pages(panel, drift_id, late_id).items():
        html = client.get(url).text
        for action in re.findall(r'<form[^>]*\baction="([^"]+)"[^>]*\bmethod="post"|'
                                 r'<form[^>]*\bmethod="post"[^>]*\baction="([^"]+)"', html):
            path = urlsplit(action[0] or action[1]).path
            endpoint = _endpoint(app, path, "POST")
            assert endpoint in ALLOWED_WRITES | {"accounts.sign_out"}, (name, path, endpoint)
        for href in re.findall(r'href="([^"#]+)"', html):
            parts = urlsplit(href.replace("&amp;", "&"))
            if parts.netloc or not parts.path.startswith(f"/{panel.slug}/") or "/static/" in parts.path:
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link in checked:
                continue
            checked.add(link)
            status = client.get(link).status_code
            assert status not in (403, 404) and status < 500, (name, link, status)
    # Papers are not theirs to read, so no page offers them.
    assert not any("/papers" in link for link in checked)
    assert len(checked) > 20


def test_every_post_that_edits_is_refused_to_the_senior_manager(app, client, login, service):
    panel, senior, action_id, drift_id, late_id = service
    login(senior)
    values = {"tenant_slug": panel.slug, "body": "ptp", "status": "active", "token": "x"}
    refused, allowed = [], set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/admin/", "/api/")) or "/api/" in rule.rule:
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            access = declared_access(view, method, rule.endpoint)
            if access in (PUBLIC, SIGNED_IN):
                continue
            if access in SENIOR:
                allowed.add(rule.endpoint)
                continue
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), 1)), rule.rule)
            response = client.open(path, method=method, data={})
            if response.status_code != 403:
                refused.append((method, path, response.status_code))
    assert refused == []
    assert allowed == ALLOWED_WRITES
    # The ones they hold edit nothing of anyone else's: a declaration needs a seat on the panel.
    response = client.post(f"/{panel.slug}/meetings/{panel.ids.meeting}/declarations/mine",
                           data={"own-agenda_item_id": "", "own-interest": "Knows the family"})
    assert response.status_code == 403
    # ...and a ruling needs the chair's seat.
    with app.app_context(), tenant_context(panel.tenant.id):
        declaration_id = db.session.execute(select(Declaration.id)).scalars().first()
    assert client.post(f"/{panel.slug}/declarations/{declaration_id}/ruling",
                       data={"ruling": "take_part"}).status_code == 403
    # Specific edits, with real ids, stay refused: the record, minutes, an action, the sitting.
    ids = panel.ids
    for path, data in ((f"/agenda-items/{ids.item}/record", {"decision": "Changed"}),
                       (f"/meetings/{ids.meeting}/minutes/approve", {}),
                       (f"/actions/{action_id}/update", {"status": "done", "progress": "x"}),
                       (f"/meetings/{ids.later}/move", {"date": "2027-03-10", "reason": "x"}),
                       (f"/meetings/{ids.later}/agenda/publish", {})):
        assert client.post(f"/{panel.slug}{path}", data=data).status_code == 403, path


def test_the_senior_manager_acknowledges_escalated_drift_and_signs_off(app, client, login, service):
    panel, senior, action_id, drift_id, late_id = service
    login(senior)
    response = client.post(f"/{panel.slug}/tracker/drift/{drift_id}/acknowledge",
                           data={"decision": "action_agreed", "note": "Review booked with the IRO"})
    assert response.status_code == 302
    response = client.post(f"/{panel.slug}/agenda-items/{panel.ids.group_item}/sign-off",
                           data={"agree": "yes", "note": "Agreed; brief the Managing Director"})
    assert response.status_code == 302
    assert "Your sign-off is recorded." in client.get(response.headers["Location"]).text
    home = client.get(f"/{panel.slug}/").text
    assert "Recommendations waiting for your agreement" not in home


def test_the_chairs_escalation_e_mail_leads_the_senior_manager_to_a_page_they_can_read(app, client, login, service):
    """The record of an escalated item is e-mailed to the first step of the ladder by a link to the
    item's record: the senior manager at that step opens it."""
    panel, senior, *_ = service
    login(senior)
    assert client.get(f"/{panel.slug}/agenda-items/{panel.ids.group_item}/record").status_code == 200
