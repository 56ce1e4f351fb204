"""The web shell: the request pipeline, error pages, layout and the home page."""

from __future__ import annotations

import secrets

from flask import Flask, g, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy.exc import DataError

from ..accounts.membership import load_membership
from ..accounts.permissions import enforce_access, has_permission, public_endpoint
from ..accounts.roles import ROLES
from ..accounts.views import check_idle_session, end_revoked_session, require_two_factor_setup
from ..api.auth import authenticate_api_token, is_api_request
from ..audit import services as audit
from ..core import context
from ..core.clock import LONDON, in_london
from ..core.jobs import commit
from ..extensions import db, talisman
from ..tenancy.resolver import inject_tenant_slug, release_tenant, resolve_tenant
from ..tor.services import active_version, tor_of
from . import abbreviations, observe
from .inputs import refuse_nul_characters, refuse_unstorable
from .navigation import nav_items
from .templating import configure_undefined
from . import notices  # noqa: F401  (each member's notices and their choices: routes on the web blueprint)
from .views import bp

# Scripts and styles from our own origin only: no inline style or event handler, and no inline
# script but GOV.UK Frontend's body-class snippet in layout.html, which carries this response's
# nonce (tests/test_security_headers.py keeps it so).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Two years, as nginx said before the app did; no includeSubDomains (the council's other hosts
# are not ours to pin).
HSTS_MAX_AGE = 63072000
# A feature the service never uses is one a script injected into it cannot use either.
PERMISSIONS_POLICY = {"browsing-topics": "()", "camera": "()", "geolocation": "()", "microphone": "()",
                      "payment": "()", "usb": "()"}

ERROR_TITLES = {
    400: ("There is a problem with the request", "Check what you entered and try again."),
    401: ("Sign in to continue", "This needs you to be signed in."),
    403: ("You do not have permission to see this page",
          "Your role in this council does not allow it. Ask your tenant administrator if you need access."),
    404: ("Page not found", "If you typed the web address, check it is correct. "
                           "If you followed a link, the record may not exist or may not be shared with you."),
    405: ("That action is not allowed here", "Go back and try again."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    429: ("Too many attempts", "You have tried too many times. Wait a minute and try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you saved has been lost."),
}


def set_actor():
    user = current_user if current_user.is_authenticated else None
    label = user.email if user is not None else "anonymous"
    g.actor_token = context.set_actor(context.Actor(user_id=user.id if user else None, label=label,
                                                    ip=request.remote_addr))


def commit_boundary(response):
    """One transaction per request: commit on success (then dispatch queued jobs), else roll back.
    A 2xx response first records the one read event naming the children it showed."""
    if 200 <= response.status_code < 300:
        audit.flush_reads(request.full_path.rstrip("?"))
    audit.discard_reads()
    if response.status_code < 400:
        commit()
    else:
        db.session.rollback()
    return response


def _reset_actor(exc=None):
    token = g.pop("actor_token", None)
    if token is not None:
        context._actor.reset(token)


def member_tenant():
    """The council to name on a page: only to its members. Anyone else (signed out, or a member of
    another council) gets the same page as for a council that does not exist."""
    return g.get("tenant") if g.get("membership") is not None else None


def handle_error(error):
    code = getattr(error, "code", 500) or 500

    db.session.rollback()
    if member_tenant() is None:
        g.tenant = None  # nor does url_for put the council's slug into the page's links
    title, advice = ERROR_TITLES.get(code, ERROR_TITLES[500])
    if is_api_request():
        body = {"code": code, "status": title, "message": getattr(error, "description", None) or advice}
        data = getattr(error, "data", None)
        if data and "messages" in data:
            body["errors"] = data["messages"]
        return jsonify(body), code
    said = getattr(error, "description", None)
    if code == 400 and said and said != getattr(type(error), "description", None):
        advice = said  # our own words about the bad input (which field, what to do), not Werkzeug's
    return render_template("error.html", code=code, title=title, advice=advice), code


def security_headers(app: Flask) -> None:
    """Every response, pages, errors, API and static files alike, carries the CSP, frame, sniffing
    and referrer headers; HSTS only on a request that came over HTTPS (Talisman checks), so
    development and tests over http get none. nginx redirects http to https; the app never does,
    and leaves the session cookie's Secure flag to SESSION_COOKIE_SECURE."""
    talisman.init_app(
        app,
        force_https=False,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        # Not no-referrer: Flask-WTF checks the Referer of a form sent over HTTPS.
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=True,
        strict_transport_security_max_age=HSTS_MAX_AGE,
        strict_transport_security_include_subdomains=False,
        permissions_policy=PERMISSIONS_POLICY,
        session_cookie_secure=False,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        content_security_policy_nonce_in=["script-src"],
    )
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def csp_nonce() -> str:
    """This response's script nonce. Talisman makes it in a before_request; made here when an
    earlier check (CSRF, the rate limit) refused the request first, so its error page gets one too."""
    if not getattr(request, "csp_nonce", None):
        request.csp_nonce = secrets.token_urlsafe(24)
    return request.csp_nonce


_glossaries: dict[int | None, dict[str, str]] = {}


def spell_out_abbreviations(response):
    """Each abbreviation's first use on a page gets its ``<abbr>`` (``web.abbreviations``): the
    field's and the council's own, from its terms of reference in force."""
    if response.status_code != 200 or response.mimetype != "text/html" or response.direct_passthrough:
        return response
    tenant = g.get("tenant")
    version = active_version(tenant.id) if tenant is not None else None
    key = version.id if version is not None else None
    if key not in _glossaries:
        _glossaries[key] = abbreviations.glossary(tor_of(version) if version is not None else None)
    html = response.get_data(as_text=True)
    marked = abbreviations.mark_first_uses(html, _glossaries[key])
    if marked is not html:
        response.set_data(marked)
    return response


def init_app(app: Flask) -> None:
    security_headers(app)
    app.before_request(refuse_nul_characters)  # before anything reads the request
    # The order is the security model: who -> which council -> which membership -> may they.
    app.before_request(end_revoked_session)
    app.before_request(check_idle_session)
    app.before_request(resolve_tenant)
    app.before_request(observe.name_council)
    app.before_request(authenticate_api_token)
    app.before_request(load_membership)
    app.before_request(require_two_factor_setup)
    app.before_request(set_actor)
    app.before_request(enforce_access)
    app.after_request(commit_boundary)
    app.after_request(spell_out_abbreviations)
    app.teardown_request(release_tenant)
    app.teardown_request(_reset_actor)
    app.url_defaults(inject_tenant_slug)

    for code in (400, 401, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, handle_error)
    for unstorable in (DataError, OverflowError):
        app.register_error_handler(unstorable, refuse_unstorable)

    configure_undefined(app)
    # Globals, not context: macros imported without context see them too.
    app.jinja_env.globals["LONDON"] = LONDON
    app.add_template_filter(in_london, "london")

    @app.context_processor
    def _layout_context():
        membership = g.get("membership")
        return {
            "current_tenant": member_tenant(),
            "current_membership": membership,
            "role_labels": [ROLES[r] for r in sorted(membership.roles)] if membership else [],
            "can": has_permission,
            "nav_items": nav_items,
        }

    app.register_blueprint(bp)

    public_endpoint("static")
