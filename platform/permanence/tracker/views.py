"""The tracker's pages: the council's tracker, a member's own children, and drift.

Views only translate between HTTP and the services: rows come from ``listing``, drift
changes from ``drift``; children are seen through the object rules (``visible``,
``load_or_404``) like everywhere else.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import Team, User
from ..accounts.permissions import has_permission, load_or_404, require, visible
from ..accounts.services import holders
from ..cases import codes
from ..cases.models import Child
from ..core.clock import london_today
from ..core.jobs import commit
from ..extensions import db
from ..tor.services import current_tor
from . import drift as drift_service
from .forms import AcknowledgeForm, EscalateForm, TrackerFilterForm
from .listing import TrackerQuery, tracker_page
from .models import DECISIONS, Drift

bp = Blueprint("tracker", __name__, template_folder="templates")

COLUMNS = (("child", "Child"), ("team", "Team"), ("worker", "Social worker"), ("legal_status", "Legal status"),
           ("plan_route", "Plan route"), ("next_due", "Next milestone due"), ("drift", "Drift"))


@bp.context_processor
def _helpers():
    return {"codes": codes, "label": codes.label, "DECISIONS": DECISIONS}


def _filter_form(tor) -> TrackerFilterForm:
    form = TrackerFilterForm(request.args)
    form.body.choices = [("", "All")] + [(b.id, b.name) for b in (tor.bodies if tor else ())]
    form.team.choices = [("", "All")] + [(str(t.id), t.name) for t in db.session.execute(
        select(Team).order_by(Team.name)).scalars()]
    form.worker.choices = [("", "All")] + [(str(u.id), u.name) for u in holders("social_worker")]
    form.legal_status.choices = [("", "All")] + [(c, codes.label(codes.LEGAL_STATUSES, c))
                                                 for c in codes.LEGAL_STATUSES]
    form.plan_route.choices = [("", "All")] + [(r, codes.label(codes.PLAN_ROUTES, r)) for r in codes.PLAN_ROUTES]
    return form


def _query(form: TrackerFilterForm, mine_of: int | None) -> TrackerQuery:
    """The query the valid filters ask for; a filter with an error is left out (and shown)."""
    form.validate()

    def ok(name):
        field = form[name]
        return field.data if field.data and not field.errors else None

    return TrackerQuery(
        body=ok("body"), team_id=int(ok("team")) if ok("team") else None,
        worker_id=int(ok("worker")) if ok("worker") else None, legal_status=ok("legal_status"),
        plan_route=ok("plan_route"), drift_only=bool(form.drift.data), mine_of=mine_of,
        sort=ok("sort") or "next_due", direction=ok("direction") or "asc", page=ok("page") or 1)


def _render(title: str, endpoint: str, mine_of: int | None):
    tor = current_tor(g.tenant.id)
    form = _filter_form(tor)
    query = _query(form, mine_of)
    today = london_today()
    result = tracker_page(query, today)
    args = {k: v for k, v in request.args.items() if k not in ("sort", "direction", "page") and v}
    return render_template(
        "tracker/tracker.html", title=title, endpoint=endpoint, form=form, query=query, result=result,
        today=today, columns=COLUMNS, args=args, bodies={b.id: b.name for b in (tor.bodies if tor else ())},
        can_see_drift=has_permission("escalations.manage"),
        outlook=lambda d: drift_service.escalation_outlook(tor, d, today),
    ), (400 if form.errors else 200)


@bp.get("/<tenant_slug>/tracker/")
@require("tracker.view")
def tracker(tenant_slug):
    return _render("Permanence tracker", "tracker.tracker", None)


@bp.get("/<tenant_slug>/tracker/mine")
@require("tracker.view")
def mine(tenant_slug):
    """The member's own children: allocated social worker, team manager or IRO."""
    title = "Children I review" if g.membership.roles == {"iro"} else "My children"
    return _render(title, "tracker.mine", current_user.id)


# --- Drift ---------------------------------------------------------------------------------------

@bp.get("/<tenant_slug>/tracker/drift")
@require("escalations.manage")
def drift_list(tenant_slug):
    closed = request.args.get("show") == "closed"
    stmt = visible(select(Drift), Drift).where(
        Drift.closed_on.is_not(None) if closed else Drift.closed_on.is_(None))
    stmt = stmt.order_by(Drift.closed_on.desc(), Drift.id.desc()) if closed else \
        stmt.order_by(Drift.level.desc(), Drift.due, Drift.id)
    rows = db.session.execute(stmt.limit(500)).scalars().all()
    children = {c.id: c for c in db.session.execute(
        select(Child).where(Child.id.in_({d.child_id for d in rows}))).scalars()} if rows else {}
    tor = current_tor(g.tenant.id)
    today = london_today()
    return render_template("tracker/drift_list.html", rows=rows, children=children, closed=closed,
                           today=today, tor=tor,
                           outlook=lambda d: drift_service.escalation_outlook(tor, d, today),
                           can_open_child=has_permission("children.view"))


def _render_drift(drift, ack_form=None, escalate_form=None, status=200):
    tor = current_tor(g.tenant.id)
    child = db.session.get(Child, drift.child_id)
    step = drift_service.next_step(tor, drift)
    ladder = drift_service.ladder_of(tor, drift)
    today = london_today()
    return render_template(
        "tracker/drift.html", drift=drift, child=child, tor=tor, ladder=ladder, next_step=step,
        today=today,
        outlook=drift_service.escalation_outlook(tor, drift, today),
        ack_form=ack_form or AcknowledgeForm(formdata=None), escalate_form=escalate_form or EscalateForm(formdata=None),
        can_open_child=has_permission("children.view"),
    ), status


@bp.get("/<tenant_slug>/tracker/drift/<int:drift_id>")
@require("escalations.manage")
def drift(tenant_slug, drift_id):
    return _render_drift(load_or_404(Drift, drift_id))


def _apply(form, change) -> bool:
    try:
        change()
    except drift_service.TrackerError as exc:
        field = form[exc.field] if exc.field in form else None
        if field is None:
            abort(400)
        field.errors = [*field.errors, exc.message]
        return False
    except drift_service.DriftStateError as exc:
        flash(exc.message, "error")
        return False
    return True


def _me() -> User:
    return db.session.get(User, current_user.id)


@bp.post("/<tenant_slug>/tracker/drift/<int:drift_id>/acknowledge")
@require("escalations.manage")
def acknowledge(tenant_slug, drift_id):
    row = load_or_404(Drift, drift_id)
    form = AcknowledgeForm()
    if form.validate_on_submit() and _apply(form, lambda: drift_service.acknowledge_drift(
            row, form.decision.data, form.note.data, by=_me(), today=london_today())):
        commit()
        flash("Your acknowledgement and the decision are recorded.", "success")
        return redirect(url_for("tracker.drift", drift_id=row.id))
    return _render_drift(row, ack_form=form, status=400)


@bp.post("/<tenant_slug>/tracker/drift/<int:drift_id>/escalate")
@require("escalations.manage")
def escalate(tenant_slug, drift_id):
    row = load_or_404(Drift, drift_id)
    form = EscalateForm()
    holder = {}
    if form.validate_on_submit() and _apply(form, lambda: holder.setdefault("step", drift_service.escalate_drift(
            row, form.reason.data, by=_me(), tor=current_tor(g.tenant.id), today=london_today()))):
        step = holder["step"]
        commit()
        told = len(step.notified_list)
        flash(f"The drift is escalated to {step.role_label}; {told} {'person was' if told == 1 else 'people were'} "
              "told by e-mail.", "success")
        return redirect(url_for("tracker.drift", drift_id=row.id))
    return _render_drift(row, escalate_form=form, status=400)

