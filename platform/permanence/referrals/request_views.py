"""Request pages: ask a panel to decide a request (a funding request), in two steps: the sitting
and the agenda part that decides requests, then the part's request form and the child it is for,
if any. The request then has the referral's page (``referrals.show``), where the panel
administrator books or declines it. Views only translate HTTP and services."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.permissions import load_or_404, require
from ..cases.models import Child
from ..core.clock import london_today
from ..core.db import get_or_404
from ..core.jobs import commit
from ..panels.models import Meeting
from . import requests, rules, services
from .forms import ChooseRequestForm, answers_from, field_name, referral_form_class
from .views import _apply_errors, _meeting_label, _run, _visible_children, bp


def _choice(meeting, part) -> tuple[str, str]:
    return f"{meeting.id}:{part.id}", f"{_meeting_label(meeting)}: {part.title}"


@bp.get("/<tenant_slug>/requests/new")
@require("requests.create")
def new_request(tenant_slug):
    """Step 1: the sittings and parts the member's role may ask (a GET form: nothing is written)."""
    options = requests.requestable(london_today(), g.membership.roles)
    form = ChooseRequestForm(request.args)
    form.sitting.choices = [_choice(m, p) for m, p in options]
    if "sitting" in request.args and form.validate():
        meeting_id, _, part_id = form.sitting.data.partition(":")
        if (meeting_id, part_id) in {(str(m.id), p.id) for m, p in options}:
            return redirect(url_for("referrals.request_details", meeting_id=meeting_id, part_id=part_id))
        form.sitting.errors = ["Select one of the meetings listed"]
    return render_template("referrals/request_new.html", form=form, options=options), 400 if form.errors else 200


@bp.route("/<tenant_slug>/requests/new/details", methods=["GET", "POST"])
@require("requests.create")
def request_details(tenant_slug):
    """Step 2: the part's request form. A role the part's ``who_may_request`` does not name is refused
    (403) by the service, before any answer is read."""
    meeting_id = request.args.get("meeting_id", "")
    if not meeting_id.isdigit():
        abort(404)
    meeting = get_or_404(Meeting, int(meeting_id))
    body = services.body_for(meeting)
    part = next((p for p in requests.request_parts(body) if p.id == request.args.get("part_id")), None)
    if part is None or meeting.cancelled or meeting.date <= london_today():
        abort(404)
    if not requests.may_request(services.tor_for(meeting), part, g.membership.roles):
        abort(403)
    fields = rules.form_fields(body, part.id)
    children = [(str(c.id), f"{c.name} ({c.case_number})") for c in _visible_children()]
    form = referral_form_class(fields, services.people(), children=children)()
    if form.is_submitted():
        answers, errors = answers_from(form, fields)
        errors = {f"answers.{k}": v for k, v in errors.items()}
        if form.validate() and not errors:
            child = None
            if form.child_id.data:
                if not str(form.child_id.data).isdigit():
                    abort(404)
                child = load_or_404(Child, int(form.child_id.data))
            holder = {}
            failure = _run(lambda: holder.setdefault("item", requests.submit_request(
                meeting, part.id, answers=answers, child=child, by=current_user._get_current_object())))
            if failure is None:
                commit()
                flash("Your request is sent to the panel administrator, who books it onto the agenda.", "success")
                return redirect(url_for("referrals.show", agenda_item_id=holder["item"].id))
            errors = failure.errors
        _apply_errors(form, errors)
    return render_template("referrals/request_details.html", form=form, fields=fields, meeting=meeting, body=body,
                           part=part, label=_meeting_label(meeting), field_name=field_name), \
        400 if form.errors else 200
