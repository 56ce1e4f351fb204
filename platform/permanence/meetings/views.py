"""The meeting's pages: the record of the meeting (attendance, quorum, declarations and rulings),
the record of each item (with deferral) and the decision maker's sign-off.

Views only translate between HTTP and the services; a service error becomes a GOV.UK error on
its field, and nothing is written unless everything is valid.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import User
from ..accounts.permissions import current_roles, has_permission, load_or_404, require, visible
from ..core.clock import LONDON, london_today
from ..core.db import get_or_404
from ..core.jobs import commit
from ..extensions import db
from ..panels.models import (ON_THE_AGENDA, AgendaItem, Attendance, AttendanceStatus, Declaration, ItemStatus, Meeting,
                             Ruling)
from ..panels.services import body_of
from ..panels.tracking import TRACKING
from ..tor.services import practice_themes as council_themes
from ..referrals import requests
from ..referrals import services as referral_services
from ..referrals.rules import pounds
from . import agreed_dates, conditions, next_agenda, record, services, themes
from .forms import (AttendanceForm, DeclarationForm, DeferForm, EmptyForm, NotHeardForm, OwnDeclarationForm,
                    RequestRecordForm, RulingForm, SignOffForm, ThemesForm, agreed_date_fields, item_record_form_for)

bp = Blueprint("meetings", __name__, template_folder="templates")


@bp.context_processor
def _helpers():
    return {"LONDON": LONDON, "RULING_LABELS": services.RULING_LABELS, "STATUS_LABELS": services.STATUS_LABELS,
            "Ruling": Ruling, "pounds": pounds}


def _not_allowed(exc):
    return render_template("error.html", code=403, title="You cannot do this", advice=exc.message), 403


def _attempt(form, change, back_url):
    """Run a service change for a posted form and commit it: ``(True, result)``. Otherwise nothing is
    written and ``(False, response)``: None when the input is wrong (the error is put on its field),
    a redirect with the message when the item or meeting cannot take the step, a 403 for a person the
    terms of reference do not give the step to."""
    try:
        result = change()
    except services.NotAllowedError as exc:
        db.session.rollback()
        return False, _not_allowed(exc)
    except services.MeetingStateError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False, redirect(back_url)
    except services.MeetingError as exc:
        db.session.rollback()
        _field_error(form, exc.field, exc.message)
        return False, None
    commit()
    return True, result


def _field_error(form, field: str, message: str) -> None:
    if field.startswith("agreed_dates."):
        field = "date_" + field.split(".", 1)[1]  # the page's field for that agreed date
    target = form[field] if field in form else None
    if target is None:
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]


def _items(meeting):
    stmt = visible(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id,
                                            AgendaItem.status.in_(services.ON_THE_AGENDA)), AgendaItem)
    return db.session.execute(stmt.order_by(AgendaItem.part_id, AgendaItem.position, AgendaItem.id)).scalars().all()


def _next_agenda(meeting, can_record):
    """The next sitting's agenda to agree, for those who record the meeting, from its day."""
    if not (can_record and not meeting.cancelled and meeting.date <= london_today()):
        return None
    plan = next_agenda.next_agenda(meeting)
    return next_agenda.for_member(plan) if plan.offered else None


def _render_meeting(meeting, *, rows=None, row_errors=None, attendance_form=None, declaration_form=None,
                    own_form=None, ruling_errors=None, next_errors=None, status=200):
    items = _items(meeting)
    by_part = services.attendance_by_part(meeting, rows)  # rows posted back with an error: expected only
    rows = rows if rows is not None else [person.row for person in by_part]
    declaration_form = declaration_form or DeclarationForm(formdata=None)
    _declaration_choices(declaration_form, meeting, items)
    own_form = own_form or OwnDeclarationForm(formdata=None, prefix="own")
    own_form.agenda_item_id.choices = declaration_form.agenda_item_id.choices
    can_record = has_permission("meetings.record")
    parts = services.parts_sat(meeting)
    return render_template(
        "meetings/record_meeting.html", meeting=meeting, body=body_of(meeting), rows=rows,
        by_part=by_part, parts=parts,
        show_by_part=len(parts) > 1 or any(not c.sits for p in by_part for c in p.cells),
        row_errors=row_errors or {}, quorum=services.quorum_of(meeting) if meeting.quorate is not None else None,
        attendance_form=attendance_form or AttendanceForm(formdata=None), declaration_form=declaration_form,
        ruling_form=RulingForm(formdata=None), ruling_errors=ruling_errors or {},
        declarations=services.declarations_of(meeting), items=items, left={i.id: services.left_for(i) for i in items},
        seen={i.id for i in items},
        can_record=can_record and not meeting.cancelled, own_form=own_form,
        can_declare=not meeting.cancelled and services.holds_a_seat(current_user.id, meeting),
        can_rule=not meeting.cancelled and services.is_chair(current_user.id, current_roles(), meeting),
        label=lambda role: services.label_of(meeting, role),
        tracking_page=body_of(meeting).kind == TRACKING and bool(items),
        plan=_next_agenda(meeting, can_record), next_errors=next_errors or {}, next_form=EmptyForm(formdata=None),
    ), status


def _declaration_choices(form, meeting, items):
    form.user_id.choices = [("", "Select a member")] + [(str(uid), name) for uid, name in
                                                        services.attendees_with_accounts(meeting)]
    form.agenda_item_id.choices = [("", "The whole meeting")] + [(str(i.id), i.subject_name) for i in items]


@bp.get("/<tenant_slug>/meetings/<int:meeting_id>/record")
@require("panels.view")
def meeting_record(tenant_slug, meeting_id):
    return _render_meeting(get_or_404(Meeting, meeting_id))


def _int_or_none(text: str | None):
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _posted_rows() -> list[dict]:
    count = _int_or_none(request.form.get("rows")) or 0
    parts = min(_int_or_none(request.form.get("parts")) or 0, 50)  # attendance by agenda part, when shown
    part_ids = [request.form.get(f"part-id-{k}", "") for k in range(parts)]
    return [{"id": _int_or_none(request.form.get(f"id-{i}")), "user_id": _int_or_none(request.form.get(f"user_id-{i}")),
             "name": request.form.get(f"name-{i}", ""), "role": request.form.get(f"role-{i}", ""),
             "title": request.form.get(f"title-{i}", ""), "status": request.form.get(f"status-{i}", ""),
             "represented_by": request.form.get(f"represented_by-{i}", ""),
             "parts": {pid: request.form.get(f"part-{i}-{k}", "") for k, pid in enumerate(part_ids) if pid}}
            for i in range(min(count, 200))]


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/attendance")
@require("meetings.record")
def take_attendance(tenant_slug, meeting_id):
    meeting = get_or_404(Meeting, meeting_id)
    form = AttendanceForm()
    entries = _posted_rows()
    if form.validate_on_submit():
        if (form.guest_name.data or "").strip():
            entries.append({"name": form.guest_name.data, "title": form.guest_title.data, "role": "",
                            "status": "present"})
        try:
            result = services.record_attendance(meeting, entries)
        except services.MeetingError as exc:
            db.session.rollback()
            meeting = get_or_404(Meeting, meeting_id)
            _, index, name = (exc.field.split(".") + ["", ""])[:3]
            return _render_meeting(meeting, rows=_unsaved(meeting, entries), attendance_form=form,
                                   row_errors={f"{name}-{index}": exc.message}, status=400)
        except services.MeetingStateError as exc:
            flash(exc.message, "error")
            return redirect(url_for("meetings.meeting_record", meeting_id=meeting.id))
        commit()
        flash("Attendance is saved. " + result.banner + ".", "success")
        return redirect(url_for("meetings.meeting_record", meeting_id=meeting.id) + "#attendance")
    return _render_meeting(meeting, attendance_form=form, status=400)


def _unsaved(meeting, entries):
    """The rows as posted, to show back with their errors."""
    rows = []
    members = services.council_members({e["user_id"] for e in entries if e.get("user_id")})
    for e in entries:
        try:
            status = AttendanceStatus(e["status"])
        except ValueError:
            status = None
        user = db.session.get(User, e["user_id"]) if e.get("user_id") in members else None
        rows.append(Attendance(meeting_id=meeting.id, id=e.get("id"), user_id=e.get("user_id"), name=e["name"],
                               role=e["role"], title=e["title"], status=status,
                               represented_by=e.get("represented_by", ""), user=user,
                               parts={k: v for k, v in (e.get("parts") or {}).items() if v} or None))
    return rows


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/declarations")
@require("meetings.record")
def declare(tenant_slug, meeting_id):
    meeting = get_or_404(Meeting, meeting_id)
    form = DeclarationForm()
    _declaration_choices(form, meeting, _items(meeting))
    back = url_for("meetings.meeting_record", meeting_id=meeting.id)
    if form.validate_on_submit():
        done, response = _attempt(form, lambda: services.declare_interest(
            meeting, _int_or_none(form.user_id.data), form.interest.data,
            agenda_item_id=_int_or_none(form.agenda_item_id.data)), back)
        if done:
            flash("The declaration is recorded; the chair rules on it.", "success")
            return redirect(back + "#declarations")
        if response is not None:
            return response
    return _render_meeting(get_or_404(Meeting, meeting_id), declaration_form=form, status=400)


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/declarations/mine")
@require("panels.view")
def declare_own(tenant_slug, meeting_id):
    """A member of the panel declares their own interest (the chair rules on it)."""
    meeting = get_or_404(Meeting, meeting_id)
    form = OwnDeclarationForm(prefix="own")
    form.agenda_item_id.choices = [("", "The whole meeting")] + [(str(i.id), i.subject_name) for i in _items(meeting)]
    back = url_for("meetings.meeting_record", meeting_id=meeting.id)
    if form.validate_on_submit():
        done, response = _attempt(form, lambda: services.declare_own_interest(
            meeting, current_user, form.interest.data, agenda_item_id=_int_or_none(form.agenda_item_id.data)), back)
        if done:
            flash("Your declaration is recorded; the chair will rule on it.", "success")
            return redirect(back + "#declarations")
        if response is not None:
            return response
    return _render_meeting(get_or_404(Meeting, meeting_id), own_form=form, status=400)


@bp.post("/<tenant_slug>/declarations/<int:declaration_id>/ruling")
@require("panels.view")  # the service lets only the chair rule: a chair seat or the chair's role
def rule(tenant_slug, declaration_id):
    declaration = get_or_404(Declaration, declaration_id)
    meeting = declaration.meeting
    form = RulingForm()
    back = url_for("meetings.meeting_record", meeting_id=meeting.id)
    if form.validate_on_submit():
        done, response = _attempt(form, lambda: services.rule_on_declaration(
            declaration, form.ruling.data, by=current_user, access_roles=current_roles()), back)
        if done:
            flash(f"Ruling recorded: {services.RULING_LABELS[declaration.ruling].lower()}.", "success")
            return redirect(back + "#declarations")
        if response is not None:
            return response
    message = next(iter(form.ruling.errors), "Select take part, observe or leave")
    return _render_meeting(meeting, ruling_errors={declaration_id: message}, status=400)


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/next-agenda")
@require("meetings.record")
def agree_next_agenda(tenant_slug, meeting_id):
    """The chair or administrator agrees, at the end of the sitting, who comes to the next one."""
    meeting = get_or_404(Meeting, meeting_id)
    if not EmptyForm().validate_on_submit():
        return _render_meeting(meeting, next_errors={"next-agenda": "Reload the page and try again"}, status=400)
    chosen = [_int_or_none(v) for v in request.form.getlist("agree")]
    entries = [{"agenda_item_id": i, "part_id": request.form.get(f"part-{i}", "")} for i in chosen if i is not None]
    back = url_for("meetings.meeting_record", meeting_id=meeting.id)
    if not entries:
        return _render_meeting(meeting, next_errors={"next-agenda": "Select the children who come to the next sitting"},
                               status=400)
    try:
        changed = next_agenda.agree_next_agenda(meeting, entries, by=current_user, today=london_today())
    except services.MeetingStateError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back + "#next-agenda")
    except services.MeetingError as exc:
        db.session.rollback()
        _, index, _ = (exc.field.split(".") + ["", ""])[:3]
        anchor = f"agree-{entries[int(index)]['agenda_item_id']}" if index.isdigit() else "next-agenda"
        return _render_meeting(get_or_404(Meeting, meeting_id), next_errors={anchor: exc.message}, status=400)
    commit()
    target = record.next_sitting(meeting)
    count = len(changed)
    flash(f"The agenda of {target.date:%A %-d %B %Y} is agreed: {count} child{'ren' if count != 1 else ''} "
          f"booked or moved." if count else "Nothing changed: those children are already booked for the next sitting.",
          "success")
    return redirect(back + "#next-agenda")


# --- The record of an item -------------------------------------------------------------------------

def _render_item(item, form=None, defer_form=None, not_heard_form=None, themes_form=None, status=200):
    body = body_of(item.meeting)
    today = london_today()
    practice_themes = council_themes(item.tenant_id)
    if themes_form is None:
        themes_form = ThemesForm(formdata=None)
        themes_form.themes.data = list(item.practice_themes or [])
    themes_form.themes.choices = [(t.id, t.label) for t in practice_themes]
    if form is None and item.is_request:
        form = RequestRecordForm(formdata=None, obj=None)
        form.discussion.data, form.decision.data, form.conditions.data = item.discussion, item.decision, item.conditions
        form.outcome_id.data = item.outcome_id or ""
        form.amount_agreed.data = f"{item.amount_agreed:.2f}" if item.amount_agreed is not None else ""
    elif form is None:
        form = item_record_form_for(body)(formdata=None, obj=None)
        for date_id, due in agreed_dates.item_dates(item).items():
            if f"date_{date_id}" in form:
                form[f"date_{date_id}"].data = due
        form.discussion.data, form.decision.data = item.discussion, item.decision
        form.conditions.data = item.conditions
        form.outcome_id.data = item.outcome_id or ""
        form.next_review_on.data = item.next_review_on
        yes_no = {True: "yes", False: "no", None: None}
        form.care_plan_confirmed.data = yes_no[item.care_plan_confirmed]
        form.legal_status_confirmed.data = yes_no[item.legal_status_confirmed]
        form.escalate.data = yes_no[item.escalate] if item.status.value == "heard" else None
        form.escalation_reason.data = item.escalation_reason
    offered, missing = conditions.outcome_choices(item)
    form.outcome_id.choices = [("", "Select an outcome")] + [(o.id, o.label) for o in offered]
    may_record = has_permission("meetings.record") and not item.meeting.cancelled
    booked = item.status == ItemStatus.BOOKED
    return render_template(
        "meetings/record_item.html", item=item, meeting=item.meeting, body=body, form=form,
        defer_form=defer_form or DeferForm(formdata=None), not_heard_form=not_heard_form or NotHeardForm(formdata=None),
        outcome=record.outcome_of(item),
        sign_off_state=record.sign_off_state(item), sign_off_text=record.sign_off_text(item),
        declarations=services.declarations_of(item.meeting, item), left=services.left_for(item),
        not_yet=may_record and item.status in record.RECORDABLE and item.meeting.date > today,
        can_record=may_record and item.status in record.RECORDABLE and item.meeting.date <= today,
        can_defer=may_record and booked,
        can_mark_not_heard=may_record and booked and item.meeting.date <= today,
        tracking=body.kind == TRACKING, carried_to=record.carried_to(item), can_manage=has_permission("panels.manage"),
        escalation_to=record.escalation_step_label(item), today=today,
        part_quorate=services.part_quorate(item), part_title=services.part_title(body, item.part_id),
        outcomes=body.outcomes_for(item.part_id),
        asked=requests.asked(item, referral_services.people()) if item.is_request else [],
        outcomes_missing=missing, date_fields=[] if item.is_request else [
            (form[f"date_{agreed.id}"], labels) for agreed, labels in agreed_date_fields(body)],
        agreed_dates=agreed_dates.labelled(item),
        themes_form=themes_form, practice_themes=practice_themes,
        item_themes=themes.theme_labels(item, practice_themes),
        can_tag_themes=has_permission("meetings.record") and bool(practice_themes) and not item.meeting.cancelled
        and item.status in ON_THE_AGENDA and item.meeting.date <= today,
    ), status


def _outcome_choices(body, item) -> list[tuple[str, str]]:
    """The outcomes the item's agenda part may reach (the part's own list, else the body's)."""
    return [("", "Select an outcome")] + [(o.id, o.label) for o in body.outcomes_for(item.part_id)]


@bp.get("/<tenant_slug>/agenda-items/<int:agenda_item_id>/record")
@require("panels.view")
def item_record(tenant_slug, agenda_item_id):
    return _render_item(load_or_404(AgendaItem, agenda_item_id))


@bp.post("/<tenant_slug>/agenda-items/<int:agenda_item_id>/record")
@require("meetings.record")
def save_item_record(tenant_slug, agenda_item_id):
    item = load_or_404(AgendaItem, agenda_item_id)
    body = body_of(item.meeting)
    form = RequestRecordForm() if item.is_request else item_record_form_for(body)()
    # Every outcome of the item's part is a valid choice here: one whose condition does not hold is refused
    # by record_item with the reason, not by the form's "not a valid choice".
    form.outcome_id.choices = _outcome_choices(body, item)
    if form.validate_on_submit():
        done, response = _attempt(form, lambda: record.record_item(
            item, form.data_for_service(), by=current_user, today=london_today()),
            url_for("meetings.item_record", agenda_item_id=item.id))
        if done:
            text = record.sign_off_text(item)
            flash("The item is recorded as heard." + (f" {text}; the decision maker has been e-mailed." if text else ""),
                  "success")
            return redirect(url_for("meetings.item_record", agenda_item_id=item.id))
        if response is not None:
            return response
    return _render_item(item, form=form, status=400)


@bp.post("/<tenant_slug>/agenda-items/<int:agenda_item_id>/themes")
@require("meetings.record")
def save_item_themes(tenant_slug, agenda_item_id):
    """Tag the item with the practice themes it showed (the ToR's ``practice_themes``)."""
    item = load_or_404(AgendaItem, agenda_item_id)
    form = ThemesForm()
    back = url_for("meetings.item_record", agenda_item_id=item.id)
    if form.validate_on_submit():
        done, response = _attempt(form, lambda: themes.tag_item(
            item, form.themes.data or [], themes=council_themes(item.tenant_id),
            today=london_today()), back)
        if done:
            flash("The practice themes are saved.", "success")
            return redirect(back + "#practice-themes")
        if response is not None:
            return response
    return _render_item(item, themes_form=form, status=400)


@bp.post("/<tenant_slug>/agenda-items/<int:agenda_item_id>/defer")
@require("meetings.record")
def defer(tenant_slug, agenda_item_id):
    item = load_or_404(AgendaItem, agenda_item_id)
    form = DeferForm()
    back = url_for("meetings.item_record", agenda_item_id=item.id)
    if form.validate_on_submit():
        done, result = _attempt(form, lambda: record.defer_item(item, form.reason.data, by=current_user,
                                                                today=london_today()), back)
        if done:
            flash(f"The item is deferred and booked for {result.meeting.date:%A %-d %B %Y}.", "success")
            return redirect(back)
        if result is not None:
            return result
    return _render_item(item, defer_form=form, status=400)


@bp.post("/<tenant_slug>/agenda-items/<int:agenda_item_id>/not-heard")
@require("meetings.record")
def not_heard(tenant_slug, agenda_item_id):
    item = load_or_404(AgendaItem, agenda_item_id)
    form = NotHeardForm()
    back = url_for("meetings.item_record", agenda_item_id=item.id)
    if form.validate_on_submit():
        done, result = _attempt(form, lambda: record.mark_not_heard(item, form.reason.data, by=current_user,
                                                                    today=london_today()), back)
        if done:
            flash(record.not_heard_text(item, result), "success")
            return redirect(back)
        if result is not None:
            return result
    return _render_item(item, not_heard_form=form, status=400)


# --- Sign-off ------------------------------------------------------------------------------------

def _render_sign_off(item, form=None, status=200):
    return render_template(
        "meetings/sign_off.html", item=item, meeting=item.meeting, body=body_of(item.meeting),
        outcome=record.outcome_of(item), form=form or SignOffForm(formdata=None),
        sign_off_state=record.sign_off_state(item), sign_off_text=record.sign_off_text(item),
        may_sign_off=record.may_sign_off(item, current_roles()), agreed_dates=agreed_dates.labelled(item),
    ), status


@bp.get("/<tenant_slug>/agenda-items/<int:agenda_item_id>/sign-off")
@require("meetings.sign_off")
def sign_off(tenant_slug, agenda_item_id):
    return _render_sign_off(load_or_404(AgendaItem, agenda_item_id))


@bp.post("/<tenant_slug>/agenda-items/<int:agenda_item_id>/sign-off")
@require("meetings.sign_off")
def save_sign_off(tenant_slug, agenda_item_id):
    item = load_or_404(AgendaItem, agenda_item_id)
    form = SignOffForm()
    back = url_for("meetings.sign_off", agenda_item_id=item.id)
    if form.validate_on_submit():
        done, response = _attempt(form, lambda: record.sign_off_item(
            item, form.agree.data == "yes", form.note.data, by=current_user, access_roles=current_roles(),
            today=london_today()), back)
        if done:
            flash("Your sign-off is recorded.", "success")
            return redirect(back)
        if response is not None:
            return response
    return _render_sign_off(item, form=form, status=400)
