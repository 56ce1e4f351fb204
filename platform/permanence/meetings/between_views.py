"""Pages for decisions made between sittings and requests to review a decision (``between``).

Each page loads the child through ``load_or_404`` (the object rules, and the read audited); who may
decide, ask or decide a review is the terms of reference's word, checked in ``between``."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.permissions import current_roles, has_permission, load_or_404, require
from ..cases.models import Child
from ..core.clock import london_today
from ..panels.models import AgendaItem, DecisionReview, ItemStatus, ReviewResult, UrgentDecision
from ..tor.services import current_tor
from . import between
from .forms import ReviewDecisionForm, ReviewRequestForm, UrgentDecisionForm
from .views import _attempt, bp


def child_section(child) -> dict:
    """The child's page: their decisions made between sittings, and where the member may record one."""
    tor = current_tor(child.tenant_id)
    roles = current_roles()
    bodies = between.bodies_deciding_between_sittings(tor)
    may = [b for b in bodies if has_permission("decisions.decide") and between.deciding_role(tor, b, roles)]
    return {"decisions": between.urgent_decisions_of(child), "bodies": bodies, "may_decide": may}


def _body_or_404(tor, body_id: str):
    body = next((b for b in between.bodies_deciding_between_sittings(tor) if b.id == body_id), None)
    if body is None:
        abort(404)
    return body


def _render_new(child, body, form, status=200):
    form.outcome_id.choices = [("", "Select an outcome")] + [(o.id, o.label) for o in between.allowed_outcomes(body)]
    return render_template("meetings/urgent_decision_new.html", child=child, body=body, form=form,
                           tor=current_tor(child.tenant_id)), status


@bp.get("/<tenant_slug>/children/<int:child_id>/decisions-between-sittings/<body>")
@require("decisions.decide")
def new_urgent_decision(tenant_slug, child_id, body):
    child = load_or_404(Child, child_id)
    tor = current_tor(child.tenant_id)
    body = _body_or_404(tor, body)
    if between.deciding_role(tor, body, current_roles()) is None:
        abort(403)
    form = UrgentDecisionForm(formdata=None)
    form.decided_on.data = london_today()
    return _render_new(child, body, form)


@bp.post("/<tenant_slug>/children/<int:child_id>/decisions-between-sittings/<body>")
@require("decisions.decide")
def save_urgent_decision(tenant_slug, child_id, body):
    child = load_or_404(Child, child_id)
    body = _body_or_404(current_tor(child.tenant_id), body)
    form = UrgentDecisionForm()
    form.outcome_id.choices = [("", "Select an outcome")] + [(o.id, o.label) for o in between.allowed_outcomes(body)]
    if form.validate_on_submit():
        done, response = _attempt(form, lambda: between.record_urgent_decision(
            child, body.id, {"outcome_id": form.outcome_id.data, "decision": form.decision.data,
                             "why_urgent": form.why_urgent.data, "decided_on": form.decided_on.data},
            by=current_user, access_roles=current_roles(), today=london_today()),
            url_for("cases.child", child_id=child.id))
        if done:
            flash("The decision is recorded." + (" It will be reported to the next sitting."
                                                 if response.reported_to_next_sitting else ""), "success")
            return redirect(url_for("meetings.urgent_decision", urgent_decision_id=response.id))
        if response is not None:
            return response
    return _render_new(child, body, form, status=400)


def _decision(decision_id: int) -> UrgentDecision:
    decision = load_or_404(UrgentDecision, decision_id)
    load_or_404(Child, decision.child_id)  # the object rules of the child it is about
    return decision


@bp.get("/<tenant_slug>/decisions-between-sittings/<int:urgent_decision_id>")
@require("children.view")
def urgent_decision(tenant_slug, urgent_decision_id):
    decision = _decision(urgent_decision_id)
    tor, body = between._tor_and_body(decision)
    return render_template("meetings/urgent_decision.html", decision=decision, body=body, tor=tor,
                           reviews=between.reviews_of(decision), deadline=between.review_deadline(decision),
                           may_ask=has_permission("decisions.ask_review") and between.may_ask_now(
                               decision, current_user, london_today()))


def _target(kind: str, ident: int):
    if kind == "item":
        item = load_or_404(AgendaItem, ident)
        if item.status != ItemStatus.HEARD or not item.children:
            abort(404)
        return item, url_for("minutes.decision", agenda_item_id=item.id)
    decision = _decision(ident)
    return decision, url_for("meetings.urgent_decision", urgent_decision_id=decision.id)


def _render_ask(target, back, form, status=200):
    tor, body = between._tor_and_body(target)
    today = london_today()
    return render_template("meetings/review_ask.html", target=target, body=body, tor=tor, back=back, form=form,
                           decided_on=between.decided_on(target), deadline=between.review_deadline(target),
                           role_id=between.asking_role(target, current_user), today=today,
                           may_ask=between.may_ask_now(target, current_user, today),
                           action=request.path), status


@bp.get("/<tenant_slug>/agenda-items/<int:agenda_item_id>/review-request")
@require("decisions.ask_review")
def ask_review_of_item(tenant_slug, agenda_item_id):
    return _ask("item", agenda_item_id)


@bp.get("/<tenant_slug>/decisions-between-sittings/<int:urgent_decision_id>/review-request")
@require("decisions.ask_review")
def ask_review_of_urgent_decision(tenant_slug, urgent_decision_id):
    return _ask("urgent", urgent_decision_id)


@bp.post("/<tenant_slug>/agenda-items/<int:agenda_item_id>/review-request")
@require("decisions.ask_review")
def save_review_request(tenant_slug, agenda_item_id):
    return _save_request("item", agenda_item_id)


@bp.post("/<tenant_slug>/decisions-between-sittings/<int:urgent_decision_id>/review-request")
@require("decisions.ask_review")
def save_review_request_of_urgent_decision(tenant_slug, urgent_decision_id):
    return _save_request("urgent", urgent_decision_id)


def _ask(kind: str, ident: int):
    target, back = _target(kind, ident)
    return _render_ask(target, back, ReviewRequestForm(formdata=None))


def _save_request(kind: str, ident: int):
    target, back = _target(kind, ident)
    form = ReviewRequestForm()
    if form.validate_on_submit():
        done, response = _attempt(form, lambda: between.ask_for_review(
            target, form.reasons.data, by=current_user, today=london_today()), back)
        if done:
            flash("Your request for a review is sent; you will be told the decision.", "success")
            return redirect(url_for("meetings.review", decision_review_id=response.id))
        if response is not None:
            return response
    return _render_ask(target, back, form, status=400)


def _review(review_id: int) -> DecisionReview:
    review = load_or_404(DecisionReview, review_id)
    load_or_404(Child, review.child_id)
    return review


def _with_choices(review, form):
    """The body's outcomes, and referral only where its ToR lets the decider refer."""
    _, body = between._tor_and_body(between.target_of(review))
    form.new_outcome_id.choices = [("", "Select an outcome")] + [(o.id, o.label) for o in body.outcomes]
    if body.decision_review is not None and not body.decision_review.may_refer:
        form.result.choices = [c for c in form.result.choices if c[0] != ReviewResult.REFERRED.value]
    return form


def _render_review(review, form=None, status=200):
    target = between.target_of(review)
    tor, body = between._tor_and_body(target)
    form = _with_choices(review, form or ReviewDecisionForm(formdata=None))
    back = (url_for("minutes.decision", agenda_item_id=target.id) if isinstance(target, AgendaItem)
            else url_for("meetings.urgent_decision", urgent_decision_id=target.id))
    outcomes = {o.id: o.label for o in body.outcomes}
    return render_template("meetings/review.html", review=review, target=target, body=body, tor=tor, form=form,
                           back=back, decided_on=between.decided_on(target), outcomes=outcomes,
                           may_decide=(has_permission("decisions.decide") and review.result == ReviewResult.PENDING
                                       and between.may_decide_review(review, current_roles()))), status


@bp.get("/<tenant_slug>/review-requests/<int:decision_review_id>")
@require("children.view")
def review(tenant_slug, decision_review_id):
    return _render_review(_review(decision_review_id))


@bp.post("/<tenant_slug>/review-requests/<int:decision_review_id>")
@require("decisions.decide")
def decide_review(tenant_slug, decision_review_id):
    request_ = _review(decision_review_id)
    form = _with_choices(request_, ReviewDecisionForm())
    if form.validate_on_submit():
        done, response = _attempt(form, lambda: between.decide_review(
            request_, {"result": form.result.data, "new_outcome_id": form.new_outcome_id.data,
                       "new_decision": form.new_decision.data, "note": form.note.data},
            by=current_user, access_roles=current_roles(), today=london_today()),
            url_for("meetings.review", decision_review_id=request_.id))
        if done:
            flash(f"The review is decided: {response.result.label.lower()}. The person who asked has been told.",
                  "success")
            return redirect(url_for("meetings.review", decision_review_id=request_.id))
        if response is not None:
            return response
    return _render_review(request_, form, status=400)
