"""Deliver decision records to an HTTPS endpoint of the case record system (or its integration layer).

Settings (under ``plugins.settings.case_record_https`` in the council's ``tor.yaml``):

``url``
    The endpoint, ``https://`` only.
``secret_env``
    The name of the environment variable holding the shared secret the body is signed with. The
    secret itself never sits in the terms of reference.
``ca_bundle_env``
    Optional: the name of an environment variable holding the path of a PEM file of the
    certificate authorities to trust for this endpoint (a council's own CA). By default the
    system's.
``timeout_seconds``
    Optional, 1 to 120; default 30. Every connection and read has it.

and the common keys (``permanence.plugins.delivery``).

One POST of JSON ``{"manifest": {...}, "pdf_base64": "..."}`` with the headers
``Idempotency-Key`` (the delivery's key, the same on every retry: the receiver must answer a key it
has seen with its first answer and store nothing new), ``X-Permanence-Signature: sha256=<hex>``
(HMAC-SHA256 of the body with the secret) and ``X-Permanence-Key-Id`` (the variable's name, so
the receiver knows which secret). A 2xx answer delivers it; a JSON body's ``reference`` (or ``id``)
is kept as acknowledged. A 4xx other than 408, 409, 425 and 429 is a refusal (not retried); any
other answer, a timeout or a broken connection is retried. Redirects are not followed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import ssl
from urllib.parse import urlsplit

from permanence.plugins import Delivered, DeliveryRefused, hookimpl
from permanence.plugins import delivery as common

NAME = "case_record_https"
OWN_KEYS = frozenset({"url", "secret_env", "ca_bundle_env", "timeout_seconds"})
DEFAULT_TIMEOUT = 30
RETRYABLE = {408, 409, 425, 429}
MAX_ANSWER = 64 * 1024


class DeliveryFailed(Exception):
    """The endpoint did not take it this time (retried)."""


@hookimpl
def validate_terms_of_reference(tor, settings):
    own, problems = common.settings_to_check(NAME, tor, settings, OWN_KEYS)
    if own is None:
        return problems
    at = ("plugins", "settings", NAME)
    url = own.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme != "https" or not parts.hostname or len(url) > 500 or parts.username:
        problems.append((at + ("url",), "url must be an https:// address of at most 500 characters, with no "
                                        "user name or password in it"))
    problems += common.check_env_name(at + ("secret_env",), own.get("secret_env"), "secret_env")
    if "ca_bundle_env" in own:
        problems += common.check_env_name(at + ("ca_bundle_env",), own.get("ca_bundle_env"), "ca_bundle_env")
    timeout = own.get("timeout_seconds", DEFAULT_TIMEOUT)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 1 <= timeout <= 120:
        problems.append((at + ("timeout_seconds",), "timeout_seconds must be a whole number from 1 to 120"))
    return problems


@hookimpl
def describe_terms_of_reference(tor, settings):
    own = common.enabled_settings(NAME, tor, settings)
    if own is None:
        return None
    host = urlsplit(str(own.get("url", ""))).hostname or "the endpoint"
    return (f"Each child's decision record is sent, signed, to the case record system at {host} when "
            f"{common.when_phrase(own)} "
            f"(filed as \"{common.document_type(own)}\"); the system's reference is kept.")


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _context(own: dict) -> ssl.SSLContext:
    cafile = None
    if own.get("ca_bundle_env"):
        cafile = os.environ.get(own["ca_bundle_env"])
        if not cafile:
            raise DeliveryRefused(f"the environment variable {own['ca_bundle_env']} (the CA bundle) is not set")
    return ssl.create_default_context(cafile=cafile)  # certificates and host names verified


@hookimpl
def send_decision_record(tenant_id, record, pdf, manifest, key, settings):
    own = common.own_settings(settings, NAME)
    secret = os.environ.get(own.get("secret_env") or "")
    if not secret:
        raise DeliveryRefused(f"the environment variable {own.get('secret_env')} (the signing secret) is not set")
    parts = urlsplit(own["url"])
    if parts.scheme != "https":
        raise DeliveryRefused("the url is not https")
    body = json.dumps({"manifest": manifest, "pdf_base64": base64.b64encode(pdf).decode("ascii")},
                      sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json", "Idempotency-Key": key,
               "X-Permanence-Signature": signature(secret.encode(), body),
               "X-Permanence-Key-Id": own["secret_env"], "User-Agent": "Permanence case record delivery"}
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPSConnection(parts.hostname, parts.port or 443,
                                             timeout=own.get("timeout_seconds", DEFAULT_TIMEOUT),
                                             context=_context(own))
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read(MAX_ANSWER)
        status = response.status
    finally:
        connection.close()
    if 200 <= status < 300:
        reference = None
        try:
            data = json.loads(answer or b"{}")
            if isinstance(data, dict):
                reference = data.get("reference") or data.get("id")
        except ValueError:
            pass
        if reference is not None:
            return Delivered(reference=str(reference)[:300], acknowledged=True)
        return Delivered(reference=None)
    if 400 <= status < 500 and status not in RETRYABLE:
        raise DeliveryRefused(f"the endpoint answered {status} {response.reason}")
    raise DeliveryFailed(f"the endpoint answered {status} {response.reason}")
