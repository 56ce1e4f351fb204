"""Links that work: every link in an e-mail or a calendar invitation points at the address the app
is served at (``BASE_URL``, or where ``permanence run`` serves), and opens a page (200) for the
person it was sent to. Each scenario drives the real code that sends the e-mails, then follows
every link of every message it queued, signed in as its recipient.

(tests/conftest.py checks the links of every e-mail any test sends against the URL map.)"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from icalendar import Calendar
from sqlalchemy import func, select

from agenda_support import book, panel, seat  # noqa: F401
from permanence.accounts.models import User
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.notifications.services import CONSOLE_MAIL
from minutes_support import build_panel
from sitting_support import pptm_held_today
from test_duties import _edit, _membership
from test_meetings_api import RECORD, monthly  # noqa: F401  (a heard monthly tracking meeting, through the API)
from test_oversight import clock, service  # noqa: F401  (Redbridge's heard sitting, drift escalated by the nightly run)
from test_reminders import _child, _item, _meeting, waltham_forest  # noqa: F401
from test_tracking_meetings import council  # noqa: F401  (the PPTM council with crafted children)

SERVED_AT = "http://panels.test:8123"
LINK = re.compile(r"https?://[^\s<>\"')]+")


@pytest.fixture
def served_at(app, monkeypatch):
    """The app as if served at another address than the default: links must follow it."""
    monkeypatch.setitem(app.config, "BASE_URL", SERVED_AT)
    return SERVED_AT


def links_in(body: str, calendar: str | None) -> list[str]:
    """The links of a message's text and of its invitation's URL and DESCRIPTION."""
    texts = [body]
    if calendar:
        for event in Calendar.from_ical(calendar).walk("VEVENT"):
            texts += [str(event.get("url", "")), str(event.get("description", ""))]
    return [link.rstrip(".,;:") for text in texts for link in LINK.findall(text)]


def _messages(app, tenant):
    with app.app_context(), tenant_context(tenant.id if tenant else None):
        query = select(EmailMessage).order_by(EmailMessage.id)
        rows = db.session.execute(query).scalars().all()
        return [(m.to_address, m.subject, m.body, m.calendar) for m in rows]


def _recipient(app, address):
    with app.app_context():
        user = db.session.execute(select(User).where(func.lower(User.email) == address.lower())).scalar_one()
        db.session.expunge(user)
        return user


def follow_every_link(app, client, login, tenant, *, signed_in=True) -> dict[str, list[str]]:
    """Open every link of every message queued in ``tenant`` as its recipient: each is at the
    served address and answers 200 (after any redirect). Returns {subject: links}."""
    checked = {}
    for to, subject, body, calendar in _messages(app, tenant):
        links = links_in(body, calendar)
        if not links:
            continue
        client.delete_cookie("session")  # a browser of the recipient's own
        if signed_in:
            login(_recipient(app, to))
        for link in links:
            parts = urlsplit(link)
            assert f"{parts.scheme}://{parts.netloc}" == SERVED_AT, (subject, link)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, (to, subject, link, response.status_code)
        checked[subject] = links
    return checked


def test_oversight_e_mails_drift_sign_off_and_escalation_links_open(served_at, app, client, login, service):
    """Redbridge's heard sitting: the nightly run escalates LATE-1's drift; the chair's record asks
    a senior manager to sign off and escalates an item."""
    panel, *_ = service
    checked = follow_every_link(app, client, login, panel.tenant)
    assert any(subject.startswith("Drift escalated") for subject in checked)


def test_the_record_s_escalation_sign_off_and_disagreement_links_open(served_at, app, client, login, monthly):
    """Recording items through the API: an escalation to the ladder's first step, a sign-off asked of
    the senior manager, and (they disagree) the recorder told."""
    admin, senior = monthly["as_"]("admin"), monthly["as_"]("senior")
    first, second = monthly["items"][:2]
    admin.put(f"/agenda-items/{first}/record", {**RECORD, "escalate": True, "escalation_reason": "Court delay"})
    admin.put(f"/agenda-items/{second}/record", {**RECORD, "outcome_id": "senior-manager-decision"})
    senior.post(f"/agenda-items/{second}/sign-off", {"agree": False, "note": "Seek legal advice first"})
    subjects = " | ".join(follow_every_link(app, client, login, monthly["tenant"]))
    for kind in ("Escalated by", "Sign-off needed", "Recommendation not agreed"):
        assert kind in subjects


def test_circulated_minutes_and_decision_records_links_open(served_at, app, client, login, make_user, make_child,
                                                          travel):
    """Redbridge's minutes circulated: members are linked to the minutes, presenters to their
    items' decision records."""
    from minutes_support import TODAY
    from permanence.core.jobs import commit
    from permanence.panels.models import PanelMember

    travel(TODAY)
    panel = build_panel(app, make_user, make_child)
    with app.app_context(), tenant_context(panel.tenant.id):
        db.session.add(PanelMember(body_id="ptp", user_id=panel.vice.id, role="service-manager", title="Vice chair"))
        commit()
    minutes = f"/{panel.slug}/meetings/{panel.ids.meeting}/minutes"
    login(panel.admin)
    client.post(f"{minutes}/assemble")
    login(panel.chair)
    with app.app_context(), tenant_context(panel.tenant.id):
        from permanence.panels.models import Meeting

        revision = db.session.get(Meeting, panel.ids.meeting).minutes.revision
    client.post(f"{minutes}/approve", data={"revision": revision})
    login(panel.admin)
    assert client.post(f"{minutes}/circulate").status_code == 302
    checked = follow_every_link(app, client, login, panel.tenant)
    links = [link for found in checked.values() for link in found]
    assert f"{SERVED_AT}{minutes}" in links
    assert f"{SERVED_AT}/{panel.slug}/agenda-items/{panel.ids.item}/decision-record" in links


def test_a_tracking_meeting_s_minutes_links_open_for_the_child_s_own_workers(served_at, app, client, login,
                                                                             make_user):
    pptm = pptm_held_today(app, make_user)
    people = pptm.people
    login(people["chair"])
    client.post(f"/{pptm.slug}/agenda-items/{pptm.ids.item}/record", data={
        "discussion": "Family finding under way.", "care_plan_confirmed": "yes", "legal_status_confirmed": "yes",
        "outcome_id": "review-again", "decision": "Review again in six weeks.", "next_review_on": "",
        "escalate": "no", "escalation_reason": ""})
    client.post(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/minutes/assemble", data={})
    with app.app_context(), tenant_context(pptm.tenant.id):
        from permanence.panels.models import Meeting

        revision = db.session.get(Meeting, pptm.ids.meeting).minutes.revision
    client.post(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/minutes/approve", data={"revision": str(revision)})
    login(people["bso"])
    client.post(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/minutes/circulate", data={})
    checked = follow_every_link(app, client, login, pptm.tenant)
    assert any("minutes of" in subject for subject in checked)


def test_role_grant_notices_link_to_the_users_page(served_at, app, client, login, tenant_a, make_user, work_jobs):
    a = make_user(tenant_a, ["tenant_admin"], email="a@example.org", name="Ann Admin")
    make_user(tenant_a, ["tenant_admin"], email="b@example.org", name="Ben Admin")
    make_user(tenant_a, ["social_worker"], email="x@example.org", name="Xena Worker")
    login(a)
    _edit(client, _membership(app, tenant_a, "x@example.org")["id"], "x@example.org", ["social_worker", "chair"],
          name="Xena Worker")
    work_jobs()
    checked = follow_every_link(app, client, login, tenant_a)
    assert any("waiting for confirmation" in subject for subject in checked)
    assert {link for found in checked.values() for link in found} == {f"{SERVED_AT}/council-a/admin/users"}


def test_the_tor_review_reminder_links_to_proposing_a_version(served_at, app, client, login, tenant_a, make_user,
                                                               in_tenant):
    from permanence.core.jobs import commit
    from permanence.tor import services
    from permanence.tor.jobs import send_tor_review_reminders_job
    from test_tor_versions import NORTH_SHIRE

    make_user(tenant_a, ["tenant_admin"], email="admin@example.org")
    with app.app_context():
        services.store_version(tenant_a.id, (NORTH_SHIRE / "tor.yaml").read_text(), loaded_by="cli", activate=True)
        commit()
    with in_tenant(tenant_a):
        assert send_tor_review_reminders_job(today="2027-02-10") == 1
    checked = follow_every_link(app, client, login, tenant_a)
    assert list(checked.values()) == [[f"{SERVED_AT}/council-a/terms-of-reference/propose"]]


def test_tracking_meeting_invitations_link_to_the_meeting_in_text_and_calendar(served_at, app, client, login,
                                                                             council, work_jobs):
    from permanence.core.jobs import commit
    from permanence.panels.jobs import book_tracking_meetings_job
    from tracker_support import TODAY

    tenant, _ = council
    with app.app_context(), tenant_context(tenant.id):
        assert book_tracking_meetings_job(TODAY.isoformat()) == 4
        commit()
    work_jobs()
    checked = follow_every_link(app, client, login, tenant)
    invitations = {s: links for s, links in checked.items() if s.startswith("PPTM for")}
    assert len(invitations) == 4
    for links in invitations.values():  # the body's link, and the invitation's URL and description
        assert len(links) == 3 and len(set(links)) == 1 and "/tracking-meetings/" in links[0]


def test_reminders_link_to_the_referral_the_actions_and_the_minutes(served_at, app, client, login, waltham_forest,
                                                                    work_jobs):
    from datetime import date as d

    from permanence.core.jobs import commit
    from permanence.panels.models import Action, ItemStatus
    from permanence.panels.services import generate_meetings
    from permanence.reminders.jobs import send_reminders_job
    from permanence.tor.services import current_tor

    tenant, p = waltham_forest
    with app.app_context(), tenant_context(tenant.id):
        generate_meetings(tenant.id, d(2027, 3, 1))
        held, next_ptm = _meeting("ptm", d(2027, 3, 3)), _meeting("ptm", d(2027, 3, 17))
        part = current_tor(tenant.id).body("ptm").agenda_parts[0].id
        ada = _child("Ada", "Draft", social_worker=p["sw"], team_manager=p["tm"])
        _item(next_ptm, part, ada, ItemStatus.DRAFT, referred_by_id=p["sw"].id)
        heard = _item(held, part, ada, ItemStatus.HEARD)
        db.session.add(Action(agenda_item_id=heard.id, child_id=ada.id, description="Book the sibling assessment",
                              owner_id=p["sw"].id, due_on=d(2027, 3, 9)))
        commit()
        held_id = held.id
        assert send_reminders_job("2027-03-08") == {"referral_deadline": 2, "minutes_due": 1, "actions_due": 1}
        commit()
    work_jobs()
    checked = follow_every_link(app, client, login, tenant)
    paths = {urlsplit(link).path for links in checked.values() for link in links}
    assert {"/waltham-forest/actions/mine", f"/waltham-forest/meetings/{held_id}/minutes"} <= paths
    assert any(path.startswith("/waltham-forest/referrals/") for path in paths)


def test_a_published_agenda_s_links_and_invitation_open_the_papers(served_at, app, client, login, panel,
                                                                   work_jobs):
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    seat(app, tenant, panel["nurse"])
    book(app, tenant, meeting_id, panel["children"][0], position=1)
    login(panel["admin"])
    client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish")
    work_jobs()
    checked = follow_every_link(app, client, login, tenant)
    [(subject, links)] = [(s, links) for s, links in checked.items() if "agenda for" in s]
    papers = f"{SERVED_AT}/knowsley/meetings/{meeting_id}/papers"
    assert links.count(papers) == 3  # the body, the invitation's URL and its description


def test_an_invitation_s_link_sets_the_password(app, client, make_user, login, work_jobs, served_at):
    from permanence.tenancy.models import Tenant

    login(make_user(None, (), platform_admin=True))
    client.post("/admin/tenants", data={"name": "North Shire Council", "slug": "north-shire"})
    with app.app_context():
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == "north-shire")).scalar_one()
        db.session.expunge(tenant)
    client.post(f"/admin/tenants/{tenant.id}", data={"email": "admin@north-shire.example.org", "name": "Ada Admin"})
    work_jobs()
    client.post("/sign-out")
    checked = follow_every_link(app, client, login, tenant, signed_in=False)
    [links] = checked.values()
    assert links[0].startswith(f"{SERVED_AT}/account/set-password/")


# --- where links point when nothing sets BASE_URL -------------------------------------------------

@pytest.fixture
def served(monkeypatch, tmp_path):
    """``permanence run ...`` through the console script, with the server itself left out: returns
    the app Flask's run would serve and what the command printed."""
    import flask.cli

    from permanence.__main__ import main

    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "test-secret-key-not-for-production")
    started = {}
    monkeypatch.setattr(flask.cli, "run_simple", lambda host, port, app, **kw: started.update(
        host=host, port=port, app=app))

    def run(*args, env=None):
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return started.get("app"), result.output

    return run


def _link(app, endpoint="accounts.set_password", **values):
    from permanence.notifications.services import link_to

    with app.app_context():
        return link_to(endpoint, **(values or {"token": "t"}))


def test_permanence_run_points_links_at_its_own_host_and_port(served):
    app, output = served("run", "--host", "127.0.0.1", "--port", "5123")
    assert _link(app) == "http://127.0.0.1:5123/account/set-password/t"
    assert output.count(CONSOLE_MAIL) == 1
    assert "Links in e-mails and invitations point at http://127.0.0.1:5123" in output


def test_a_wildcard_host_is_linked_as_this_machine(served):
    app, _ = served("run", "--host", "0.0.0.0", "--port", "5124")
    assert _link(app) == "http://127.0.0.1:5124/account/set-password/t"


def test_base_url_in_the_environment_wins_over_the_run_command(served):
    app, output = served("run", "--port", "5125", env={"BASE_URL": "https://panels.example.gov.uk/"})
    assert _link(app) == "https://panels.example.gov.uk/account/set-password/t"
    assert "5125" not in output.split("Running")[0]


def test_with_a_mail_server_the_console_message_is_not_printed(served):
    _, output = served("run", "--port", "5126", env={"MAIL_SERVER": "relay.example.org", "MAIL_PORT": "25"})
    assert CONSOLE_MAIL not in output and "E-mails are sent through relay.example.org:25" in output


def test_other_commands_do_not_announce_the_console(served):
    _, output = served("routes")
    assert CONSOLE_MAIL not in output


def test_make_run_passes_its_host_and_port_to_the_demo_and_the_server():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "permanence run --host $(HOST) --port $(PORT)" in makefile
    assert 'BASE_URL="$${BASE_URL:-http://' in makefile and ':$(PORT)}" $(BIN)/permanence demo load' in makefile


def test_the_run_server_serves_its_links(tmp_path):
    """The real command, briefly: ``permanence run --port P`` answers on P, and a link it builds
    (the set-password page needs no council) opens there."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test-secret-key-not-for-production",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite'}"}
    for key in ("BASE_URL", "MAIL_SERVER", "REDIS_URL"):
        env.pop(key, None)
    server = subprocess.Popen([sys.executable, "-m", "permanence", "run", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=1)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert f"Links in e-mails and invitations point at http://127.0.0.1:{port}" in output
    assert output.count(CONSOLE_MAIL) == 1


@pytest.mark.parametrize("host, expected", [("::", "http://[::1]:5000"), ("localhost", "http://localhost:5000")])
def test_serve_links_at(app, monkeypatch, host, expected):
    from permanence.notifications.services import serve_links_at

    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setitem(app.config, "BASE_URL", "unchanged")
    assert serve_links_at(app, host, 5000) == expected


def test_https_when_run_with_a_certificate(app, monkeypatch):
    from permanence.notifications.services import serve_links_at

    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setitem(app.config, "BASE_URL", "unchanged")
    assert serve_links_at(app, "127.0.0.1", 5443, https=True) == "https://127.0.0.1:5443"

