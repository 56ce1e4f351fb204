"""Deliver decision records by e-mail to a secure mailbox of the case record system (its
document-import mailbox, or a business support team's secure mailbox).

Settings (under ``plugins.settings.case_record_smtp`` in the council's ``tor.yaml``):

``to``
    The mailbox's address.
``connection_env_prefix``
    Optional: a prefix naming the environment variables of the SMTP server to use for it,
    ``<P>_HOST``, ``<P>_PORT``, ``<P>_STARTTLS`` (1 or 0; default 1 unless ``<P>_SSL``), ``<P>_SSL``
    (TLS from the first byte), ``<P>_USERNAME``, ``<P>_PASSWORD``, ``<P>_CA_FILE``, ``<P>_FROM``. By
    default the platform's own outgoing mail (``MAIL_SERVER`` and the rest). No host, port or
    password is ever written in the terms of reference.

and the common keys (``permanence.plugins.delivery``).

One message with the PDF and the manifest (JSON) attached; its Message-ID is made from the
delivery's idempotency key, so every attempt sends the same message. What "once" means here: SMTP
has no idempotency, so a worker killed after the server took the message but before the delivery
was marked sent sends it again on retry, with the same Message-ID; a mailbox or import that
discards a Message-ID it has seen (most import services, and many mail systems) files it once,
others show two copies of one message.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
import json
import os
import smtplib
import ssl

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from permanence.core.clock import utcnow
from permanence.plugins import Delivered, DeliveryRefused, hookimpl
from permanence.plugins import delivery as common

NAME = "case_record_smtp"
OWN_KEYS = frozenset({"to", "connection_env_prefix"})
MESSAGE_DOMAIN = "case-records.permanence.invalid"


@hookimpl
def validate_terms_of_reference(tor, settings):
    own, problems = common.settings_to_check(NAME, tor, settings, OWN_KEYS)
    if own is None:
        return problems
    at = ("plugins", "settings", NAME)
    to = own.get("to")
    try:
        if not isinstance(to, str):
            raise EmailNotValidError("not text")
        validate_email(to, check_deliverability=False)
    except EmailNotValidError:
        problems.append((at + ("to",), "to must be the secure mailbox's e-mail address"))
    if "connection_env_prefix" in own:
        problems += common.check_env_name(at + ("connection_env_prefix",), own.get("connection_env_prefix"),
                                          "connection_env_prefix")
    return problems


@hookimpl
def describe_terms_of_reference(tor, settings):
    own = common.enabled_settings(NAME, tor, settings)
    if own is None:
        return None
    return (f"Each child's decision record is e-mailed, as PDF with a manifest, to {own.get('to', '')} when "
            f"{common.when_phrase(own)} (filed as \"{common.document_type(own)}\").")


def message_id(key: str) -> str:
    return f"<{key}@{MESSAGE_DOMAIN}>"


def connection(own: dict) -> dict:
    """Where to send: the variables the prefix names, else the platform's outgoing mail."""
    prefix = own.get("connection_env_prefix")
    if prefix:
        env = os.environ
        host = env.get(f"{prefix}_HOST")
        if not host:
            raise DeliveryRefused(f"the environment variable {prefix}_HOST is not set")
        use_ssl = env.get(f"{prefix}_SSL", "0") == "1"
        return {"host": host, "port": int(env.get(f"{prefix}_PORT") or (465 if use_ssl else 587)), "ssl": use_ssl,
                "starttls": not use_ssl and env.get(f"{prefix}_STARTTLS", "1") == "1",
                "username": env.get(f"{prefix}_USERNAME"), "password": env.get(f"{prefix}_PASSWORD") or "",
                "ca_file": env.get(f"{prefix}_CA_FILE") or None,
                "from": env.get(f"{prefix}_FROM") or current_app.config.get("MAIL_FROM")}
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise DeliveryRefused("no SMTP server: set MAIL_SERVER, or connection_env_prefix and its variables")
    return {"host": config["MAIL_SERVER"], "port": config["MAIL_PORT"], "ssl": config.get("MAIL_USE_SSL", False),
            "starttls": config.get("MAIL_USE_TLS", False), "username": config.get("MAIL_USERNAME"),
            "password": config.get("MAIL_PASSWORD") or "", "ca_file": config.get("MAIL_CA_FILE"),
            "from": config.get("MAIL_FROM")}


def build_message(own: dict, manifest: dict, pdf: bytes, key: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = own["to"]
    numbers = ", ".join(manifest.get("case_numbers") or [])
    meeting = manifest.get("meeting") or {}
    message["Subject"] = f"{manifest.get('document_type')}: {numbers} ({meeting.get('body')}, {meeting.get('date')})"
    message["Message-ID"] = message_id(key)
    message["Date"] = format_datetime(utcnow())
    message["X-Permanence-Idempotency-Key"] = key
    message.set_content(
        f"The decision record of the {meeting.get('body')} of {meeting.get('date')} for case number(s) {numbers}, "
        f"to be filed as \"{manifest.get('document_type')}\".\n\nOutcome: {(manifest.get('outcome') or {}).get('label')}\n"
        f"Record: {manifest.get('record_id')}\nSHA-256 of the PDF: {(manifest.get('file') or {}).get('sha256')}\n\n"
        "The PDF and its manifest (JSON) are attached. Sent by Permanence.\n")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{key}.pdf")
    message.add_attachment(json.dumps(manifest, indent=2, sort_keys=True).encode(), maintype="application",
                           subtype="json", filename=f"{key}.json")
    return message


@hookimpl
def send_decision_record(tenant_id, record, pdf, manifest, key, settings):
    own = common.own_settings(settings, NAME)
    server = connection(own)
    sender = server["from"] or "permanence@example.invalid"
    message = build_message(own, manifest, pdf, key, sender)
    context = ssl.create_default_context(cafile=server["ca_file"])
    timeout = current_app.config.get("MAIL_TIMEOUT", 30)
    if server["ssl"]:
        smtp = smtplib.SMTP_SSL(server["host"], server["port"], timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(server["host"], server["port"], timeout=timeout)
    with smtp:
        if server["starttls"]:
            smtp.starttls(context=context)  # no STARTTLS offered: an error, never plain text
        if server["username"]:
            smtp.login(server["username"], server["password"])
        try:
            smtp.send_message(message, from_addr=parseaddr(sender)[1], to_addrs=[own["to"]])
        except smtplib.SMTPRecipientsRefused as exc:
            if all(code >= 500 for code, _ in exc.recipients.values()):
                raise DeliveryRefused(f"the server refused the address {own['to']}") from exc
            raise
    return Delivered(reference=message_id(key))
