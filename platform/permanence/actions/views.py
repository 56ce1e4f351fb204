"""Actions pages: "My actions" (the owner's list with an update form on each), the council's list
of actions with filters, adding an action to an agenda item, and the item's actions section that
the meeting pages embed. Views only translate between HTTP and ``services``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ..accounts.permissions import has_permission, load_or_404, require, visible
from ..core.clock import london_today
from ..core.jobs import commit
from ..extensions import db
from ..panels import services as panels
from ..panels.forms import today_hint
from ..panels.models import Action, ActionStatus, AgendaItem
from ..tor.services import current_tor
from . import services
from .forms import ActionFilterForm, AddActionForm, UpdateActionForm

bp = Blueprint("actions", __name__, template_folder="templates")
LIST_LIMIT = 500
ADD_PREFIX = "action"  # the add form sits on other features' pages: keep its ids apart


def safe_next(value: str | None, fallback: str) -> str:
    """A return address inside this council's pages only (never another site)."""
    prefix = f"/{g.tenant.slug}/"
    if value and value.startswith(prefix) and "//" not in value and "\\" not in value:
        return value
    return fallback


def _owner_choices(form):
    form.owner_id.choices = [("", "Select a person")] + [(u.id, u.name) for u in services.council_members()]


def item_actions_section(item: AgendaItem) -> Markup:
    """Template global: the item's actions with an add form, and the children's open actions from
    earlier meetings ("come back on the child's next item"). Empty for members without actions.view."""
    if not has_permission("actions.view"):
        return Markup("")
    today = london_today()
    earlier = [a for a in services.open_actions_for_children([c.id for c in item.children], excluding_item_id=item.id)
               if a.agenda_item is None or a.agenda_item.meeting.date <= item.meeting.date]
    form = None
    if has_permission("meetings.record"):
        form = AddActionForm(formdata=None, next=request.path, prefix=ADD_PREFIX)
        _owner_choices(form)
    return Markup(render_template("actions/_item_section.html", item=item, actions=item.actions, earlier=earlier,
                                  form=form, today=today, hint=today_hint(today), here=request.path,
                                  may_update=lambda a: services.may_update(a, current_user.id)))


def child_open_actions(child) -> dict:
    """The actions section of the child's page (``cases.sections``): the child's open actions (the
    child was already loaded, its read audited, by the cases view)."""
    return {"actions": services.open_actions_for_children([child.id]), "today": london_today()}


def _apply(form, change) -> bool:
    try:
        change()
    except services.ActionError as exc:
        target = form[exc.field] if exc.field in form else form["description" if "description" in form else "status"]
        target.errors = [*target.errors, exc.message]
        return False
    return True


@bp.route("/<tenant_slug>/agenda-items/<int:agenda_item_id>/actions", methods=["GET", "POST"])
@require("meetings.record")
def add(tenant_slug, agenda_item_id):
    item = load_or_404(AgendaItem, agenda_item_id)
    form = AddActionForm(prefix=ADD_PREFIX)
    _owner_choices(form)
    back = safe_next(form.next.data or request.args.get("next"), url_for("actions.add", agenda_item_id=item.id))
    form.next.data = back
    if request.method == "POST":
        status = 400
        if form.validate() and _apply(form, lambda: services.add_action(
                item, form.description.data, form.owner_id.data, form.due_on.data)):
            commit()
            flash("The action is added.", "success")
            return redirect(back)
        return render_template("actions/add.html", form=form, item=item, back=back,
                               hint=today_hint(london_today())), status
    return render_template("actions/item.html", item=item)


@bp.post("/<tenant_slug>/actions/<int:action_id>/update")
@require("actions.update")
def update(tenant_slug, action_id):
    action = load_or_404(Action, action_id)
    form = UpdateActionForm()
    back = form.next.data = safe_next(form.next.data, url_for("actions.mine"))
    if form.validate():
        try:
            ok = _apply(form, lambda: services.update_action(action, form.status.data, form.progress.data,
                                                             by=current_user))
        except services.NotYoursError:
            abort(403)
        if ok:
            commit()
            flash(f"The action is updated: {services.STATUS_LABELS[action.status].lower()}.", "success")
            return redirect(back)
    return render_template("actions/update.html", form=form, action=action, back=back,
                           today=london_today()), 400


@bp.get("/<tenant_slug>/actions/mine")
@require("actions.view")
def mine(tenant_slug):
    rows = db.session.execute(services.with_rows_loaded(
        visible(select(Action), Action).where(Action.owner_id == current_user.id))
        .order_by(Action.status != ActionStatus.OPEN, Action.due_on, Action.id).limit(LIST_LIMIT)).scalars().all()
    return render_template("actions/mine.html", actions=rows, today=london_today(), always=lambda a: True)


@bp.get("/<tenant_slug>/actions/")
@require("actions.oversee")
def council(tenant_slug):
    form = ActionFilterForm(request.args)
    tor = current_tor(g.tenant.id)
    form.body_id.choices = [("", "All panels")] + ([(b.id, b.name) for b in panels.panel_bodies(tor)] if tor else [])
    form.owner_id.choices = [("", "Anyone")] + [(str(u.id), u.name) for u in services.council_members()]
    flt = services.ActionFilter(
        overdue=bool(form.overdue.data), body_id=form.body_id.data or None,
        owner_id=int(form.owner_id.data) if (form.owner_id.data or "").isdigit() else None,
        status=ActionStatus(form.status.data) if form.status.data in {s.value for s in ActionStatus} else None)
    if "status" not in request.args:
        flt.status = ActionStatus.OPEN
    today = london_today()
    stmt = services.filter_actions(visible(select(Action), Action), flt, today).limit(LIST_LIMIT)
    rows = db.session.execute(stmt).scalars().all()
    return render_template("actions/council.html", actions=rows, form=form, today=today, limit=LIST_LIMIT)
