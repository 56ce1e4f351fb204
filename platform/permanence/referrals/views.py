"""Referral pages: refer a child (child and sitting, part, the ToR's questions), the referral with
its papers and history and the actions its state allows, the lists of referrals, and the panel
administrator's referrals and proposals for one meeting. Views only translate HTTP and services.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.permissions import has_permission, load_or_404, require, visible
from ..cases.models import Child
from ..core.clock import london_today, utcnow
from ..core.db import get_or_404
from ..core.jobs import commit
from ..documents import subjects as paper_subjects
from ..documents.views import papers_panel
from ..extensions import db
from ..panels.models import AgendaItem, ItemStatus, Meeting
from ..tor import role_label
from . import decisions, listing, proposals, rules, services
from .forms import (ChooseForm, CommentsForm, EmptyForm, LateRulingForm, MoveForm, PartForm, QualityAssurerForm,
                    ReasonForm, SubmitForm, answers_from, field_name, prefill, referral_form_class)
from .rules import NotAllowed, ReferralError

bp = Blueprint("referrals", __name__, template_folder="templates")


@bp.context_processor
def _helpers():
    return {"STATUS_LABELS": services.STATUS_LABELS, "ItemStatus": ItemStatus, "deadline_text": rules.deadline_text,
            "part_title": services.part_title, "field_name": field_name, "local": _local}


def _local(at):
    """A stored time in London (SQLite hands back naive UTC)."""
    from datetime import timezone

    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(rules.LONDON)


def _run(change):
    """A service step: NotAllowed is a 403; a ReferralError is returned for the page to show."""
    try:
        change()
    except NotAllowed:
        abort(403)
    except ReferralError as exc:
        return exc
    return None


# --- refer a child ----------------------------------------------------------------------------

def _visible_children():
    return db.session.execute(visible(select(Child), Child).order_by(Child.last_name, Child.first_name, Child.id)
                              ).scalars().all()


def _meeting_label(meeting: Meeting) -> str:
    body = services.body_for(meeting)
    due, _ = services.deadlines_of(meeting)
    text = f"{body.name}, {meeting.date:%A} {meeting.date.day} {meeting.date:%B %Y}"
    return text + (f" (referrals by {rules.deadline_text(due)})" if due else "")


@bp.get("/<tenant_slug>/referrals/new")
@require("referrals.create")
def new(tenant_slug):
    form = ChooseForm(request.args)
    meetings = services.referable_meetings(london_today(), g.membership.roles)
    form.child_id.choices = [("", "Select a child")] + [(str(c.id), f"{c.name} ({c.case_number})")
                                                        for c in _visible_children()]
    form.meeting_id.choices = [("", "Select a meeting")] + [(str(m.id), _meeting_label(m)) for m in meetings]
    # ?child_id= alone (a link from the child's page) only chooses the child.
    if "meeting_id" in request.args and form.validate():
        return redirect(url_for("referrals.choose_part", child_id=form.child_id.data, meeting_id=form.meeting_id.data))
    return render_template("referrals/new.html", form=form, meetings=meetings), 400 if form.errors else 200


def _chosen(child_id, meeting_id):
    """The child (through the object rule: 404 elsewhere, 403 unseen) and an open sitting."""
    if not str(child_id or "").isdigit() or not str(meeting_id or "").isdigit():
        abort(404)
    child = load_or_404(Child, int(child_id))
    meeting = get_or_404(Meeting, int(meeting_id))
    if meeting.cancelled or meeting.date < london_today():
        abort(404)
    return child, meeting


@bp.get("/<tenant_slug>/referrals/new/part")
@require("referrals.create")
def choose_part(tenant_slug):
    child, meeting = _chosen(request.args.get("child_id"), request.args.get("meeting_id"))
    body = services.body_for(meeting)
    if not rules.may_refer(services.tor_for(meeting), body, g.membership.roles):
        abort(403)
    form = PartForm(request.args)
    form.part_id.choices = [(p.id, p.title) for p in rules.referral_parts(body)]
    group = child.sibling_group if body.referral.sibling_groups_as_one_item else None
    if "part_id" in request.args and form.validate():
        return redirect(url_for("referrals.details", child_id=child.id, meeting_id=meeting.id,
                                part_id=form.part_id.data, as_group="y" if form.as_group.data and group else ""))
    return render_template("referrals/part.html", form=form, child=child, meeting=meeting, body=body, group=group,
                           label=_meeting_label(meeting)), 400 if form.errors else 200


@bp.route("/<tenant_slug>/referrals/new/details", methods=["GET", "POST"])
@require("referrals.create")
def details(tenant_slug):
    child, meeting = _chosen(request.args.get("child_id"), request.args.get("meeting_id"))
    body = services.body_for(meeting)
    part = next((p for p in rules.referral_parts(body) if p.id == request.args.get("part_id")), None)
    if part is None:
        abort(404)
    group = child.sibling_group if request.args.get("as_group") and body.referral.sibling_groups_as_one_item else None
    fields = rules.form_fields(body, part.id)
    people = services.people()
    form = referral_form_class(fields, people)()
    errors = {}
    if form.is_submitted():
        answers, errors = answers_from(form, fields)
        errors = {f"answers.{k}": v for k, v in errors.items()}
        if form.validate() and not errors:
            holder = {}
            failure = _run(lambda: holder.setdefault("item", services.start_referral(
                meeting, part.id, child=None if group else child, sibling_group=group, answers=answers,
                reason=form.reason.data, by=current_user._get_current_object())))
            if failure is None:
                commit()
                flash("Your referral is saved as a draft.", "success")
                return redirect(url_for("referrals.show", agenda_item_id=holder["item"].id))
            errors = failure.errors
        _apply_errors(form, errors)
    return render_template("referrals/details.html", form=form, fields=fields, item=None, child=child, group=group,
                           meeting=meeting, body=body, part=part, label=_meeting_label(meeting),
                           file_fields=[f for f in body.referral_form_for(part.id) if f.type == "file"]), \
        400 if form.errors else 200


def _apply_errors(form, errors: dict[str, str]) -> None:
    for key, message in errors.items():
        name = field_name(key.split(".", 1)[1]) if key.startswith("answers.") else key
        if name in form:
            form[name].errors = [*form[name].errors, message] if isinstance(form[name].errors, list) else [message]
        else:
            form.form_errors.append(message)


# --- one referral -------------------------------------------------------------------------------

def _item(agenda_item_id: int) -> AgendaItem:
    """The item through its object rule (``load_or_404`` audits the read of the children it shows)."""
    return load_or_404(AgendaItem, agenda_item_id)


class _Errors:
    """Service errors in the shape the layout's ``error_summary`` macro reads (links to ``#field``)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = {name: [message] for name, message in errors.items()}

    def __contains__(self, name):
        return False


def _may_edit_now(item: AgendaItem, roles) -> bool:
    return (item.status in services.EDITABLE and has_permission("referrals.create")
            and services.may_edit(item, current_user, roles))


def _render(item: AgendaItem, errors: dict[str, str] | None = None, status: int = 200, next_meeting=None):
    body = services.body_for(item)
    tor = services.tor_for(item.meeting)
    people = services.people()
    fields = rules.form_fields(body, item.part_id) if services.part_of(item) else []
    referral_due, papers_due = services.deadlines_of(item.meeting)
    roles = g.membership.roles
    registered = paper_subjects.subject("agenda_item") is not None
    papers = None
    if registered:

        papers = papers_panel("agenda_item", item)
    return render_template(
        "referrals/item.html", item=item, body=body, errors=errors or {}, error_list=_Errors(errors or {}),
        next_meeting=next_meeting,
        answers=[(f, rules.answer_text(f, item.answers.get(f.id), people)) for f in fields],
        paperwork=services.paperwork(item), paperwork_items=services.paperwork_for(item), papers=papers,
        referral_due=referral_due, papers_due=papers_due, history=services.history(item),
        needs_qa=rules.needs_quality_assurance(body),
        qa_label=role_label(tor, body.referral.quality_assurance_by),
        accept_completes=rules.completes_as_referral(body, item.part_id),
        can_edit=_may_edit_now(item, roles),
        can_assure=services.may_quality_assure(item, current_user, roles) and has_permission(
            "referrals.quality_assure"),
        can_manage=has_permission("panels.manage"), is_chair=bool(set(roles) & decisions.CHAIR_ROLES),
        can_withdraw=services.may_withdraw(item, current_user, roles) and has_permission("referrals.create"),
        late_now=rules.passed(referral_due, utcnow()), late_policy=body.referral.late_policy,
        form=EmptyForm(), submit_form=SubmitForm(formdata=None), comments_form=CommentsForm(formdata=None),
    ), status


@bp.get("/<tenant_slug>/referrals/<int:agenda_item_id>")
@require("panels.view")
def show(tenant_slug, agenda_item_id):
    return _render(_item(agenda_item_id))


def _step(agenda_item_id: int, change, done, *, to_meeting=False):
    """Run a step on the referral; ``done`` is the message, or a function of the item giving it."""
    item = _item(agenda_item_id)
    failure = _run(lambda: change(item))
    if failure is not None:
        return _render(item, failure.errors, 400, failure.next_meeting)
    commit()
    flash(done(item) if callable(done) else done, "success")
    if to_meeting:
        return redirect(url_for("referrals.meeting", meeting_id=item.meeting_id))
    return redirect(url_for("referrals.show", agenda_item_id=item.id))


def _me():
    return current_user._get_current_object()


@bp.route("/<tenant_slug>/referrals/<int:agenda_item_id>/edit", methods=["GET", "POST"])
@require("referrals.create")
def edit(tenant_slug, agenda_item_id):
    item = _item(agenda_item_id)
    if not _may_edit_now(item, g.membership.roles):
        flash("This referral cannot be changed by you now: only its referrer or the panel administrator "
              "changes a draft or returned referral.", "error")
        return redirect(url_for("referrals.show", agenda_item_id=item.id))
    body = services.body_for(item)
    fields = rules.form_fields(body, item.part_id)
    form = referral_form_class(fields, services.people())()
    if not form.is_submitted():
        form.reason.data = item.reason
        prefill(form, fields, item.answers)
    else:
        answers, errors = answers_from(form, fields)
        errors = {f"answers.{k}": v for k, v in errors.items()}
        if form.validate() and not errors:
            failure = _run(lambda: services.update_referral(item, answers=answers, reason=form.reason.data, by=_me()))
            if failure is None:
                commit()
                flash("Your changes are saved.", "success")
                return redirect(url_for("referrals.show", agenda_item_id=item.id))
            errors = failure.errors
        _apply_errors(form, errors)
    return render_template("referrals/details.html", form=form, fields=fields, item=item, child=None,
                           group=item.sibling_group, meeting=item.meeting, body=body, part=services.part_of(item),
                           label=_meeting_label(item.meeting), file_fields=[]), 400 if form.errors else 200


@bp.post("/<tenant_slug>/referrals/<int:agenda_item_id>/send-for-qa")
@require("referrals.create")
def send_for_qa(tenant_slug, agenda_item_id):
    return _step(agenda_item_id, lambda item: services.send_for_quality_assurance(item, by=_me()),
                 "The referral is sent for quality assurance.")


@bp.post("/<tenant_slug>/referrals/<int:agenda_item_id>/return")
@require("referrals.quality_assure")
def return_(tenant_slug, agenda_item_id):
    form = CommentsForm()
    return _step(agenda_item_id, lambda item: services.return_referral(item, form.comments.data, by=_me()),
                 "The referral is returned to the social worker with your comments.")


def _submit(agenda_item_id):
    form = SubmitForm()
    return _step(agenda_item_id, lambda item: services.submit(item, by=_me(), comments=form.comments.data,
                                                              late_reason=form.late_reason.data),
                 "The referral is submitted to the panel.")


@bp.post("/<tenant_slug>/referrals/<int:agenda_item_id>/submit")
@require("referrals.create")
def submit(tenant_slug, agenda_item_id):
    return _submit(agenda_item_id)


@bp.post("/<tenant_slug>/referrals/<int:agenda_item_id>/assure")
@require("referrals.quality_assure")
def assure(tenant_slug, agenda_item_id):
    """Quality-assured: submit the referral to the panel (the team manager, or whoever was asked, who
    may not hold the permission to refer)."""
    return _submit(agenda_item_id)


@bp.route("/<tenant_slug>/referrals/<int:agenda_item_id>/quality-assurer", methods=["GET", "POST"])
@require("panels.manage")
def quality_assurer(tenant_slug, agenda_item_id):
    """The panel administrator asks another person to quality-assure a referral awaiting it."""
    item = _item(agenda_item_id)
    people = services.quality_assurers(item)
    form = QualityAssurerForm()
    form.user_id.choices = [("", "Select a person")] + [
        (str(u.id), u.name + (" (asked now)" if u.id == item.qa_assignee_id else "")) for u in people]
    errors = False
    if form.is_submitted():
        errors = True
        if form.validate():
            failure = _run(lambda: services.reassign_quality_assurance(item, form.user_id.data, form.reason.data,
                                                                       by=_me()))
            if failure is None:
                commit()
                flash(f"{item.qa_assignee.name} is asked to quality-assure the referral and has been e-mailed.",
                      "success")
                return redirect(url_for("referrals.show", agenda_item_id=item.id))
            for name, message in failure.errors.items():
                field = form[name] if name in form else form.user_id
                field.errors = [*field.errors, message]
    return render_template("referrals/quality_assurer.html", item=item, form=form, people=people,
                           body=services.body_for(item), awaiting=item.status == ItemStatus.AWAITING_QA), \
        400 if errors else 200


@bp.post("/<tenant_slug>/referrals/<int:agenda_item_id>/move")
@require("referrals.create")
def move(tenant_slug, agenda_item_id):
    form = MoveForm()
    target = services.meeting_or_none(int(form.meeting_id.data)) if (form.meeting_id.data or "").isdigit() else None
    if target is None:
        abort(404)
    return _step(agenda_item_id, lambda item: services.update_referral(item, meeting=target, by=_me()),
                 f"The referral is moved to the meeting on {target.date:%-d %B %Y}.")


@bp.post("/<tenant_slug>/referrals/<int:agenda_item_id>/withdraw")
@require("referrals.create")
def withdraw(tenant_slug, agenda_item_id):
    form = ReasonForm()
    return _step(agenda_item_id, lambda item: services.withdraw(item, form.reason.data, by=_me()),
                 "The referral is withdrawn.")


@bp.post("/<tenant_slug>/referrals/<int:agenda_item_id>/late-ruling")
@require("panels.manage")
def late_ruling(tenant_slug, agenda_item_id):
    form = LateRulingForm()
    accept = {"yes": True, "no": False}.get(form.accept.data or "")
    return _step(agenda_item_id, lambda item: decisions.rule_on_late(item, accept, form.ruling.data, by=_me()),
                 "Your decision on the late referral is recorded.")


@bp.post("/<tenant_slug>/referrals/<int:agenda_item_id>/book")
@require("panels.manage")
def book(tenant_slug, agenda_item_id):
    return _step(agenda_item_id, lambda item: decisions.book(item, by=_me()), _booked_message, to_meeting=True)


def _booked_message(item: AgendaItem) -> str:
    if item.status == ItemStatus.BOOKED:
        return "The item is booked on the agenda."
    who = item.referred_by.name if item.referred_by else "The panel administrator"
    return (f"The proposal is accepted. {who} completes the referral form and the papers; it is booked once "
            "submitted.")


@bp.post("/<tenant_slug>/referrals/<int:agenda_item_id>/decline")
@require("panels.manage")
def decline(tenant_slug, agenda_item_id):
    form = ReasonForm()
    return _step(agenda_item_id, lambda item: decisions.decline(item, form.reason.data, by=_me()),
                 "The referral is declined and the referrer told.", to_meeting=True)


@bp.post("/<tenant_slug>/referrals/<int:agenda_item_id>/dismiss")
@require("panels.manage")
def dismiss(tenant_slug, agenda_item_id):
    form = ReasonForm()
    return _step(agenda_item_id, lambda item: decisions.dismiss(item, form.reason.data, by=_me()),
                 "The proposal is dismissed.", to_meeting=True)


# --- lists ------------------------------------------------------------------------------------------

@bp.get("/<tenant_slug>/referrals/")
@require("panels.view")
def index(tenant_slug):
    """My referrals, those awaiting my quality assurance, those submitted: a chair asked to
    quality-assure one (the ToR's fallback) finds it here without being able to refer."""
    meetings = services.open_meetings(london_today())
    manages = has_permission("panels.manage")
    # The panel administrator starts on every referral for the next sitting; others on their own.
    default = "all" if manages else "mine"
    view = request.args.get("view", default)
    if view not in listing.VIEWS:
        view = default
    meeting_id = request.args.get("meeting_id", type=int)
    if meeting_id is None and "view" not in request.args and manages and meetings:
        meeting_id = meetings[0].id
    rows = listing.referrals(view, user=current_user, roles=g.membership.roles, meeting_id=meeting_id)
    if view == "all" and not rows and "meeting_id" not in request.args:
        meeting_id = None  # nothing for the next sitting: every referral still to be heard
        rows = listing.referrals(view, user=current_user, roles=g.membership.roles)
    if view == "all" and meeting_id is None:
        rows = [r for r in rows if r.meeting.date >= london_today()]
    return render_template("referrals/index.html", rows=rows, view=view, views=listing.VIEWS, meeting_id=meeting_id,
                           meetings=[(m.id, _meeting_label(m)) for m in meetings])


@bp.get("/<tenant_slug>/meetings/<int:meeting_id>/referrals")
@require("panels.manage")
def meeting(tenant_slug, meeting_id):
    """The panel administrator's referrals and proposals for one sitting. Opening it only reads (a
    GET that proposed let any crawl of the page write items): the daily ``propose-from-cohorts``
    job and the button (``propose``) make the proposals."""
    return _meeting_page(get_or_404(Meeting, meeting_id))


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/referrals")
@require("panels.manage")
def propose(tenant_slug, meeting_id):
    """"Check for children to propose now": the cohort rules and the council's plugins, run at once
    rather than waiting for the daily job. A plugin's unusable data is shown on the page."""
    row = get_or_404(Meeting, meeting_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    problems: list[str] = []
    created = proposals.propose_for_meeting(row, problems=problems)
    if created:
        commit()
    if not problems:
        flash(f"{len(created)} new proposal{'s' if len(created) != 1 else ''} from the cohort rules.", "success")
        return redirect(url_for("referrals.meeting", meeting_id=row.id))
    return _meeting_page(row, new_count=len(created), problems=problems)


def _meeting_page(row: Meeting, *, new_count: int = 0, problems: list[str] | None = None):
    items = listing.meeting_items(row)
    status = listing.paperwork_statuses(items)
    referral_due, papers_due = services.deadlines_of(row)
    body = services.body_for(row)
    return render_template("referrals/meeting.html", meeting=row, body=body, items=items,
                           paperwork=status, referral_due=referral_due, papers_due=papers_due, form=EmptyForm(),
                           is_chair=bool(set(g.membership.roles) & decisions.CHAIR_ROLES), new_count=new_count,
                           problems=problems or [],
                           completes={i.id: rules.completes_as_referral(body, i.part_id) for i in items})
