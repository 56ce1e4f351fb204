"""The web shell: the request pipeline, error pages, layout and the home page."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy.exc import DataError

from ..accounts.membership import load_membership
from ..accounts.permissions import enforce_access, has_permission, public_endpoint
from ..accounts.roles import ROLES
from ..accounts.views import check_idle_session, end_revoked_session
from ..api.auth import authenticate_api_token, is_api_request
from ..audit import services as audit
from ..core import context
from ..core.clock import LONDON, in_london
from ..core.jobs import commit
from ..extensions import db
from ..tenancy.resolver import inject_tenant_slug, release_tenant, resolve_tenant
from .inputs import refuse_nul_characters, refuse_unstorable
from .navigation import nav_items
from .templating import configure_undefined
from .views import bp

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


def handle_error(error):
    code = getattr(error, "code", 500) or 500

    db.session.rollback()
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


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)  # before anything reads the request
    # The order is the security model: who -> which council -> which membership -> may they.
    app.before_request(end_revoked_session)
    app.before_request(check_idle_session)
    app.before_request(resolve_tenant)
    app.before_request(authenticate_api_token)
    app.before_request(load_membership)
    app.before_request(set_actor)
    app.before_request(enforce_access)
    app.after_request(commit_boundary)
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
            "current_tenant": g.get("tenant"),
            "current_membership": membership,
            "role_labels": [ROLES[r] for r in sorted(membership.roles)] if membership else [],
            "can": has_permission,
            "nav_items": nav_items,
        }

    app.register_blueprint(bp)

    public_endpoint("static")
