"""Decision records over the wire: a real HTTPS endpoint (TLS with a certificate made for the test,
trusted through the CA bundle setting) that checks the signature and keeps one document per
Idempotency-Key, and a real SMTP server (aiosmtpd) that reads the message, its Message-ID and its
attachments. Each record arrives once, a retry sends nothing more, a failure is logged and sent again."""

from __future__ import annotations

import base64
import email
from email import policy
import hashlib
import json
import socket

import pytest
from sqlalchemy import select

from deliveries_support import (SECRET, TODAY, Receiver, approve_minutes, certificate, https_block, load_council,
                                record_outcomes, register_destinations, sitting, work)
from permanence.core.context import tenant_context
from permanence.deliveries.jobs import deliver_job
from permanence.deliveries.models import DecisionDelivery, DeliveryStatus
from permanence.extensions import db

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is a test dependency (pyproject [test])")


def rows(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        found = db.session.execute(select(DecisionDelivery).order_by(DecisionDelivery.id)).scalars().all()
        db.session.expunge_all()
        return found


@pytest.fixture
def receiver(tmp_path, monkeypatch):
    register_destinations()
    server = Receiver(tmp_path)
    monkeypatch.setenv("TEST_CASE_RECORD_SECRET", SECRET.decode())
    monkeypatch.setenv("TEST_CASE_RECORD_CA", server.ca)
    yield server
    server.stop()


def test_each_record_reaches_the_endpoint_signed_once_and_its_reference_is_kept(
        app, receiver, travel, make_user, make_child, tmp_path):
    travel(TODAY)
    tenant = load_council(app, "redbridge", tmp_path, https_block(receiver.url, document_type="PTP written record"))
    s = sitting(app, tenant, make_user, make_child, destination="case_record_https")
    record_outcomes(app, s)
    approve_minutes(app, s)

    delivered = rows(app, tenant)
    assert [(r.status, r.reference) for r in delivered] == [(DeliveryStatus.ACKNOWLEDGED, "DOC-1"),
                                                             (DeliveryStatus.ACKNOWLEDGED, "DOC-2")]
    assert sorted(receiver.documents) == sorted(r.idempotency_key for r in delivered)
    for row, child in zip(delivered, s.children):
        document = receiver.documents[row.idempotency_key]
        pdf = base64.b64decode(document["pdf_base64"])
        assert pdf.startswith(b"%PDF")
        manifest = document["manifest"]
        assert manifest["case_numbers"] == [child.case_number]
        assert manifest["document_type"] == "PTP written record"
        assert manifest["file"]["sha256"] == hashlib.sha256(pdf).hexdigest()
        assert manifest["idempotency_key"] == row.idempotency_key

    # A retried job whose delivery got through sends nothing.
    with app.app_context(), tenant_context(tenant.id):
        for row in delivered:
            deliver_job(row.id)
        db.session.commit()
    assert len(receiver.posts) == 2

    # A job that died after the POST (the row still "sending") sends again under the same key: the
    # endpoint keeps one document and answers with its first reference.
    with app.app_context(), tenant_context(tenant.id):
        row = db.session.get(DecisionDelivery, delivered[0].id)
        row.status = DeliveryStatus.SENDING
        db.session.commit()
        deliver_job(row.id)
        db.session.commit()
    assert len(receiver.posts) == 3 and len(receiver.documents) == 2
    assert rows(app, tenant)[0].status == DeliveryStatus.ACKNOWLEDGED and rows(app, tenant)[0].reference == "DOC-1"


def test_an_endpoint_that_fails_is_logged_and_sent_again(app, receiver, travel, make_user, make_child, tmp_path,
                                                          login, client):
    travel(TODAY)
    tenant = load_council(app, "redbridge", tmp_path, https_block(receiver.url))
    s = sitting(app, tenant, make_user, make_child, children=1, destination="case_record_https")
    receiver.fail_next = 1
    record_outcomes(app, s)
    approve_minutes(app, s)
    [row] = rows(app, tenant)
    assert row.status == DeliveryStatus.FAILED and "500" in row.last_error and receiver.documents == {}

    login(s.admin)
    assert "500" in client.get(f"/{tenant.slug}/deliveries/?status=failed").get_data(as_text=True)
    client.post(f"/{tenant.slug}/deliveries/{row.id}/send-again")
    work(app)
    [row] = rows(app, tenant)
    assert row.status == DeliveryStatus.ACKNOWLEDGED and row.attempts == 2 and row.reference == "DOC-1"
    assert len(receiver.documents) == 1


def test_the_endpoint_certificate_is_verified(app, receiver, travel, make_user, make_child, tmp_path, monkeypatch):
    travel(TODAY)
    (tmp_path / "other").mkdir()
    other, _ = certificate(tmp_path / "other")  # a CA bundle that does not hold the endpoint's certificate
    monkeypatch.setenv("TEST_CASE_RECORD_CA", str(other))
    tenant = load_council(app, "redbridge", tmp_path, https_block(receiver.url))
    s = sitting(app, tenant, make_user, make_child, children=1, destination="case_record_https")
    record_outcomes(app, s)
    approve_minutes(app, s)
    [row] = rows(app, tenant)
    assert row.status == DeliveryStatus.FAILED and receiver.posts == []
    assert "SSL" in row.last_error or "certificate" in row.last_error


def test_a_missing_secret_fails_at_once_and_names_the_variable(app, receiver, travel, make_user, make_child,
                                                               tmp_path, monkeypatch):
    travel(TODAY)
    monkeypatch.delenv("TEST_CASE_RECORD_SECRET")
    tenant = load_council(app, "redbridge", tmp_path, https_block(receiver.url))
    s = sitting(app, tenant, make_user, make_child, children=1, destination="case_record_https")
    record_outcomes(app, s)
    approve_minutes(app, s)
    [row] = rows(app, tenant)
    assert row.status == DeliveryStatus.FAILED and "TEST_CASE_RECORD_SECRET" in row.last_error
    assert receiver.posts == []


class Mailbox:
    def __init__(self):
        self.received = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.received.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox(monkeypatch):
    register_destinations()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    box = Mailbox()
    controller = aiosmtpd_controller.Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("TEST_SECURE_MAIL_HOST", "127.0.0.1")
    monkeypatch.setenv("TEST_SECURE_MAIL_PORT", str(port))
    monkeypatch.setenv("TEST_SECURE_MAIL_STARTTLS", "0")
    monkeypatch.setenv("TEST_SECURE_MAIL_FROM", "Permanence <permanence@council.example.org>")
    yield box
    controller.stop()


def test_each_record_is_mailed_to_the_secure_mailbox_once_with_a_message_id_from_its_key(
        app, mailbox, travel, make_user, make_child, tmp_path):
    travel(TODAY)
    block = ("plugins:\n  enabled: [case_record_smtp]\n  settings:\n    case_record_smtp:\n"
             "      to: protocol-import@council.example.org\n      connection_env_prefix: TEST_SECURE_MAIL\n")
    tenant = load_council(app, "redbridge", tmp_path, block)
    s = sitting(app, tenant, make_user, make_child, destination="case_record_smtp")
    record_outcomes(app, s)
    approve_minutes(app, s)

    delivered = rows(app, tenant)
    assert [r.status for r in delivered] == [DeliveryStatus.SENT] * 2
    assert [to for _, to in mailbox.envelopes] == [["protocol-import@council.example.org"]] * 2
    for row, message, child in zip(delivered, mailbox.received, s.children):
        assert message["Message-ID"].strip() == f"<{row.idempotency_key}@case-records.permanence.invalid>" == row.reference
        assert child.case_number in message["Subject"]
        attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
        pdf, manifest = attachments[f"{row.idempotency_key}.pdf"], json.loads(attachments[f"{row.idempotency_key}.json"])
        assert pdf.startswith(b"%PDF") and manifest["file"]["sha256"] == hashlib.sha256(pdf).hexdigest()
        assert manifest["case_numbers"] == [child.case_number]
        assert child.last_name not in message.as_string()

    with app.app_context(), tenant_context(tenant.id):
        for row in delivered:
            deliver_job(row.id)  # a retry after it was sent
        db.session.commit()
    assert len(mailbox.received) == 2
