"""Outgoing e-mail for real: with MAIL_SERVER set, messages go over SMTP to a real local server
(aiosmtpd, in this process) and the test reads what arrives: headers, the body's link, the
calendar part. Plain SMTP to a relay, STARTTLS with a login against a certificate made for the
test, a refusal that is recorded and retried, never lost, and never sent twice."""

from __future__ import annotations

import email
import shutil
import socket
import subprocess
from datetime import datetime
from email import policy

import pytest
from icalendar import Calendar
from sqlalchemy import select

from agenda_support import book, panel, seat  # noqa: F401
from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage, EmailStatus
from permanence.notifications.services import queue_email

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is a test dependency (pyproject [test])")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping what arrives; ``refuse`` holds replies given to the next RCPTs."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: list[str] = []
        self.logins: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"permanence" and auth_data.password == b"relay-secret"
        if ok:
            self.logins.append(auth_data.login.decode())
        return aiosmtpd_smtp.AuthResult(success=ok)


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A local SMTP server and the app configured to send through it (plain SMTP, as to a relay
    on port 25): ``smtp_server(tls_context=..., ...)`` starts one with other options."""
    started = []

    def start(**options) -> Inbox:
        inbox = Inbox()
        port = _free_port()
        if "tls_context" in options:
            options.setdefault("authenticator", inbox.authenticate)
        controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False,
                           "MAIL_USE_SSL": False, "MAIL_USERNAME": None, "MAIL_PASSWORD": None,
                           "MAIL_CA_FILE": None, "MAIL_TIMEOUT": 10,
                           "MAIL_FROM": "Permanence <permanence@council.example.org>"}.items():
            monkeypatch.setitem(app.config, key, value)
        return inbox

    yield start
    for controller in started:
        controller.stop()


def _messages(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(EmailMessage).order_by(EmailMessage.id)).scalars().all()
        db.session.expunge_all()
        return rows


def _calendar_part(message):
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0]


def test_a_published_agenda_arrives_over_smtp_with_its_link_and_invitation(app, client, login, panel, work_jobs,
                                                                           smtp_server):
    inbox = smtp_server()
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    seat(app, tenant, panel["nurse"])
    book(app, tenant, meeting_id, panel["children"][0], position=1)
    login(panel["admin"])
    assert "The agenda is published" in client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish",
                                                     follow_redirects=True).text
    work_jobs()

    queued = _messages(app, tenant)
    assert queued and all(m.status == EmailStatus.SENT and m.attempts == 1 for m in queued)
    assert sorted(to for _, tos in inbox.envelopes for to in tos) == sorted(m.to_address for m in queued)
    assert {sender for sender, _ in inbox.envelopes} == {"permanence@council.example.org"}

    [nurse] = [m for m in inbox.received if m["To"] == "nurse@health.example.org"]
    assert nurse["Subject"] == "Multi-Agency Permanency Panel: agenda for Wednesday 16 December 2026"
    assert nurse["From"] == "Permanence <permanence@council.example.org>"
    assert nurse["Date"] and nurse["Message-ID"].endswith("@council.example.org>")
    text = nurse.get_body(("plain",)).get_content()
    papers = f"{app.config['BASE_URL'].rstrip('/')}/knowsley/meetings/{meeting_id}/papers"
    assert papers in text

    part = _calendar_part(nurse)
    assert part.get_param("method") == "REQUEST" and part.get_filename() == "invite.ics"
    calendar = Calendar.from_ical(part.get_content())
    assert str(calendar["method"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 16, 9, 30, tzinfo=LONDON)
    assert str(event["url"]) == papers and papers in str(event["description"])
    assert "nurse@health.example.org" in str(event["attendee"])


def test_a_subject_in_any_language_arrives_as_written(app, tenant_a, in_tenant, work_jobs, smtp_server):
    inbox = smtp_server()
    with in_tenant(tenant_a):
        queue_email("ceri@example.org", "Adolygiad — cyfarfod ½ diwrnod: Siân’s café", "Corff: ‘ŵ’ a ‘ŷ’.")
    work_jobs()
    [message] = inbox.received
    assert message["Subject"] == "Adolygiad — cyfarfod ½ diwrnod: Siân’s café"
    assert message.get_body(("plain",)).get_content().strip() == "Corff: ‘ŵ’ a ‘ŷ’."


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1, made for the test by openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test's certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def test_starttls_and_a_login_when_configured(app, tenant_a, in_tenant, work_jobs, smtp_server, certificate,
                                              monkeypatch):
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = smtp_server(tls_context=context, require_starttls=True, auth_required=True)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", True)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "permanence")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "relay-secret")

    # The relay's certificate is checked: unknown to this machine, the send fails (and is kept) ...
    with in_tenant(tenant_a):
        queue_email("a@example.org", "Over TLS", "Sent after STARTTLS.")
    work_jobs()
    [message] = _messages(app, tenant_a)
    assert inbox.received == [] and message.status == EmailStatus.QUEUED
    assert "CERTIFICATE_VERIFY_FAILED" in message.last_error

    # ... and goes once MAIL_CA_FILE names the authority that signed it.
    monkeypatch.setitem(app.config, "MAIL_CA_FILE", str(cert))
    _retry(app, tenant_a, message.id)
    [arrived] = inbox.received
    assert arrived["Subject"] == "Over TLS" and inbox.logins == ["permanence"]
    assert _messages(app, tenant_a)[0].status == EmailStatus.SENT


def _retry(app, tenant, message_id):
    """What RQ's retry does: the job run again, as its council (on SQLite jobs run in-process
    and once; the Redis run below retries through the worker)."""
    from permanence.core.jobs import run_job
    from permanence.notifications.jobs import send_email_job

    with app.app_context():
        run_job({"func": f"{send_email_job.__module__}:send_email_job", "args": [message_id], "kwargs": {},
                 "tenant_id": tenant.id, "queue": "emails"})


def test_a_refused_send_is_recorded_and_retried_not_lost_and_not_sent_twice(app, tenant_a, in_tenant, work_jobs,
                                                                            smtp_server, travel):
    from permanence.core import jobs

    travel(datetime(2026, 12, 1, 9, 0, tzinfo=LONDON))
    inbox = smtp_server()
    inbox.refuse = ["451 4.3.0 Mailbox busy, try again later"]
    with in_tenant(tenant_a):
        queue_email("busy@example.org", "Try again", "The first attempt is refused.")
    work_jobs()
    [message] = _messages(app, tenant_a)
    assert inbox.received == []
    assert message.status == EmailStatus.QUEUED and message.attempts == 1 and "451" in message.last_error

    if app.config.get("REDIS_URL"):  # RQ's retry, after its back-off
        from rq import SimpleWorker
        from rq.registry import ScheduledJobRegistry

        with app.app_context():
            assert ScheduledJobRegistry(queue=jobs.get_queue("emails")).get_job_ids()
        travel(datetime(2026, 12, 1, 9, 1, tzinfo=LONDON))
        with app.app_context():
            SimpleWorker(jobs.all_queues(), connection=jobs.get_redis()).work(burst=True, with_scheduler=True)
    else:  # the embedded default has no RQ: the schedule's resend job tries it again, after a wait
        from permanence.core import schedule

        with app.app_context():
            assert schedule.run_now("resend-waiting-emails") >= 1
            jobs.commit()
        assert _messages(app, tenant_a)[0].attempts == 1  # too soon: not tried again yet
        travel(datetime(2026, 12, 1, 9, 6, tzinfo=LONDON))
        with app.app_context():
            schedule.run_now("resend-waiting-emails")
            jobs.commit()
    [sent] = _messages(app, tenant_a)
    assert sent.status == EmailStatus.SENT and sent.attempts == 2 and "451" in sent.last_error
    assert [m["To"] for m in inbox.received] == ["busy@example.org"]

    _retry(app, tenant_a, message.id)  # run again after it went (a worker died before RQ heard): not sent twice
    assert len(inbox.received) == 1 and _messages(app, tenant_a)[0].attempts == 2


def test_after_the_last_attempt_the_message_is_failed_and_kept(app, tenant_a, in_tenant, work_jobs, smtp_server,
                                                               monkeypatch):
    inbox = smtp_server()
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    inbox.refuse = ["451 4.3.0 Try again later"]
    with in_tenant(tenant_a):
        queue_email("busy@example.org", "Once only", "Refused on the only attempt.")
    work_jobs()
    [message] = _messages(app, tenant_a)
    assert message.status == EmailStatus.FAILED and message.attempts == 1 and "451" in message.last_error


def test_an_address_refused_for_good_is_failed_without_retries(app, tenant_a, in_tenant, work_jobs, smtp_server):
    inbox = smtp_server()
    inbox.refuse = ["550 5.1.1 No such mailbox"]
    with in_tenant(tenant_a):
        queue_email("nobody@example.org", "Bounced", "No such mailbox.")
    work_jobs()
    [message] = _messages(app, tenant_a)
    assert message.status == EmailStatus.FAILED and message.attempts == 1 and "550" in message.last_error
    assert inbox.received == []


def test_a_cancellation_is_labelled_cancel(app, tenant_a, in_tenant, work_jobs, smtp_server):
    from permanence.notifications import ical

    inbox = smtp_server()
    with in_tenant(tenant_a):
        event = ical.event("x@council-a.permanence", datetime(2026, 12, 16, 9, 30, tzinfo=LONDON), None,
                           "Panel", cancelled=True)
        queue_email("a@example.org", "Cancelled", "The slot is cancelled.", calendar=ical.invitation(event, "CANCEL"))
    work_jobs()
    part = _calendar_part(inbox.received[0])
    assert part.get_param("method") == "CANCEL"
    assert str(Calendar.from_ical(part.get_content())["method"]) == "CANCEL"
