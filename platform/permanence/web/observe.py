"""Each request seen by the operator: a request id on every log line it makes, one access line,
and its count and time in the metrics (``core.logs``, ``core.metrics``).

The request id is nginx's (``X-Request-ID``, deploy/nginx/permanence.conf) when it is a sane token,
else made here; the response carries it back, so a person reporting a problem can quote it. The
access line and the metrics name the URL rule (``/<tenant_slug>/children/<int:child_id>``), never
the path or its query string, which hold ids and searches.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import g, request

from ..core import logs, metrics

access_log = logging.getLogger("permanence.access")

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")


def request_id_from(header: str | None) -> str:
    """The caller's id if it is a sane token (8 to 128 letters, digits, ``.``, ``_``, ``:``, ``-``),
    else a new one: a header is never copied into the log as it came."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def start_request():
    """before_request, first of all: the clock and the request id."""
    g.request_started = time.perf_counter()
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.log_token = logs.bind(request_id=g.request_id)


def name_council():
    """before_request, once the council is resolved: its slug on the request's log lines (its id and
    the user's come from ``core.context``)."""
    tenant = g.get("tenant")
    if tenant is not None:
        logs.bind(tenant=tenant.slug)


def finish_request(response):
    """after_request, last of all: the header, the access line, the metrics."""
    request_id = g.get("request_id")
    if request_id is None:  # a request refused before the first before_request ran
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    seconds = time.perf_counter() - g.request_started
    rule = request.url_rule
    access_log.info("%s %s %s %.1fms", request.method, rule.rule if rule else "(no route)", response.status_code,
                    seconds * 1000,
                    extra={"method": request.method, "route": rule.rule if rule else None,
                           "endpoint": request.endpoint, "status": response.status_code,
                           "duration_ms": round(seconds * 1000, 1)})
    metrics.record_request(request.endpoint, request.method, response.status_code, seconds)
    return response


def end_request(exc=None):
    token = g.pop("log_token", None)
    if token is not None:
        logs.unbind(token)


def init_app(app) -> None:
    """Registered before the rest of the pipeline: Flask runs before_request functions in order and
    after_request functions in reverse, so the clock covers everything."""
    app.before_request(start_request)
    app.after_request(finish_request)
    app.teardown_request(end_request)
