"""Each member's own notices: "Your notices" (the last 30 days of e-mails to them from this
council, with where each got to) and how they get each kind (straight away or the daily digest).
Every page here is the signed-in person's own: no address or person is taken from the request."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..accounts.permissions import require
from ..audit import services as audit
from ..cases.models import children_named_in
from ..notifications import kinds
from ..notifications.models import EmailStatus
from ..notifications.notices import recent_notices
from ..notifications.preferences import PreferenceError, preferences_of, save_preferences
from .views import bp


@bp.get("/<tenant_slug>/notices")
@require("home.view")
def notices(tenant_slug):
    mine = recent_notices(current_user.email)
    # The notices name children by initials and case number: the page shows them, so its read says so.
    audit.note_shown(children_named_in([n.message.subject for n in mine] + [n.message.body for n in mine]))
    waiting = sum(n.message.status == EmailStatus.HELD for n in mine)
    return render_template("web/notices.html", notices=mine, waiting=waiting)


@bp.route("/<tenant_slug>/account/notices", methods=["GET", "POST"])
@require("home.view")
def notice_preferences(tenant_slug):
    form = FlaskForm()  # the CSRF token; the choices are checked by notifications.preferences
    chosen = preferences_of(current_user.id)
    error = None
    if request.method == "POST" and form.validate_on_submit():
        choices = {key: value for key, value in request.form.items() if key != "csrf_token"}
        try:
            changed = save_preferences(current_user.id, choices)
        except PreferenceError as exc:
            error = exc
            chosen.update({k: v for k, v in choices.items() if k in chosen and v in kinds.MODES})
        else:
            flash("Your choices are saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("web.notice_preferences"))
    elif request.method == "POST":
        error = PreferenceError("csrf_token", "The form had expired. Choose again and save.")
    return render_template("web/notice_preferences.html", form=form, kinds=kinds.choosable(), modes=kinds.MODES,
                           chosen=chosen, error=error), 400 if error else 200
