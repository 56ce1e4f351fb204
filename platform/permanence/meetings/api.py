"""The meeting through the JSON API: attendance with the quorum, declarations of interest and the
chair's rulings, the record of an item, deferral, an item not heard and the decision maker's sign-off. Same
permissions and object rules as the pages; bad input is a 422 naming the field."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..accounts.permissions import current_roles, has_permission, load_or_404, require
from ..core.clock import london_today
from ..core.db import get_or_404
from ..panels.models import AgendaItem, Declaration, Meeting
from ..tor.services import practice_themes
from . import next_agenda, record, services, themes
from .schemas import (AttendanceListSchema, AttendanceUpdateSchema, DeclarationSchema, DeferSchema, DeferredSchema,
                      ItemRecordSchema, ItemRecordUpdateSchema, ItemThemesSchema, ItemThemesUpdateSchema,
                      NextAgendaSchema, NextAgendaUpdateSchema,
                      NotHeardResultSchema, NotHeardSchema, RulingSchema, SignOffSchema)

blp = Blueprint("meetings_api", __name__, description="Attendance, quorum, declarations and the record of items")


def _act(change):
    try:
        return change()
    except services.MeetingError as exc:
        abort(422, errors={"json": {exc.field: [exc.message]}}, message="Unprocessable Entity")
    except services.MeetingStateError as exc:
        abort(409, message=exc.message)
    except services.NotAllowedError as exc:
        abort(403, message=exc.message)


def _attendance(meeting, quorum=None):
    rows = services.attendance_rows(meeting)
    parts = services.parts_sat(meeting)
    for row in rows:  # dump-only fields of attendance by agenda part
        seat = services.seat_of(meeting, row.role, row.title)
        row.by_part = {p.id: services.part_status(row, seat, p.id).value for p in parts}
        row.not_required_for = [p.id for p in parts if not services.sits_for(seat, p.id)]
    return {"meeting_id": meeting.id, "recorded": bool(meeting.attendance), "attendance": rows,
            "quorum": quorum or services.quorum_of(meeting, rows)}


@blp.route("/meetings/<int:meeting_id>/attendance")
class AttendanceView(MethodView):
    @require("panels.view")
    @blp.response(200, AttendanceListSchema)
    def get(self, tenant_slug, meeting_id):
        """The attendance (before it is taken: the body's seats) and the quorum under the ToR."""
        return _attendance(get_or_404(Meeting, meeting_id))

    @require("meetings.record")
    @blp.arguments(AttendanceUpdateSchema)
    @blp.response(200, AttendanceListSchema)
    def put(self, data, tenant_slug, meeting_id):
        """Replace the attendance; the meeting's quorate flag is stored from the ToR's quorum."""
        meeting = get_or_404(Meeting, meeting_id)
        quorum = _act(lambda: services.record_attendance(meeting, data["attendance"]))
        return _attendance(meeting, quorum)


@blp.route("/meetings/<int:meeting_id>/declarations")
class DeclarationsView(MethodView):
    @require("panels.view")
    @blp.response(200, DeclarationSchema(many=True))
    def get(self, tenant_slug, meeting_id):
        """Declarations of interest at the meeting, with the chair's rulings."""
        return services.declarations_of(get_or_404(Meeting, meeting_id))

    @require("panels.view")
    @blp.arguments(DeclarationSchema)
    @blp.response(201, DeclarationSchema)
    def post(self, data, tenant_slug, meeting_id):
        """Record a declaration (agenda_item_id null: the whole meeting); the chair rules on it next.
        With ``meetings.record`` for anyone (``user_id``); otherwise a member of the panel declares their
        own interest (``user_id`` omitted or their own)."""
        meeting = get_or_404(Meeting, meeting_id)
        if has_permission("meetings.record"):
            user_id = g.api_user.id if data["user_id"] is None else data["user_id"]
            return _act(lambda: services.declare_interest(meeting, user_id, data["interest"],
                                                          agenda_item_id=data.get("agenda_item_id")))
        if data["user_id"] not in (None, g.api_user.id):
            abort(403, message="You may declare only your own interest")
        return _act(lambda: services.declare_own_interest(meeting, g.api_user, data["interest"],
                                                          agenda_item_id=data.get("agenda_item_id")))


@blp.route("/meetings/<int:meeting_id>/next-agenda")
class NextAgendaView(MethodView):
    @require("meetings.record")
    @blp.response(200, NextAgendaSchema)
    def get(self, tenant_slug, meeting_id):
        """The body's next sitting, its parts taking children agreed at the previous meeting, and the
        children who may be agreed (this meeting's, and those proposed for the next sitting)."""
        return next_agenda.for_member(next_agenda.next_agenda(get_or_404(Meeting, meeting_id)))

    @require("meetings.record")
    @blp.arguments(NextAgendaUpdateSchema)
    @blp.response(200, NextAgendaSchema)
    def post(self, data, tenant_slug, meeting_id):
        """Agree children for the next sitting: each is booked there in the part given. Idempotent;
        409 where the ToR has the panel agree no agenda at the meeting or there is no next sitting."""
        meeting = get_or_404(Meeting, meeting_id)
        _act(lambda: next_agenda.agree_next_agenda(meeting, data["items"], by=g.api_user, today=london_today()))
        return next_agenda.for_member(next_agenda.next_agenda(meeting))


@blp.route("/declarations/<int:declaration_id>/ruling")
class RulingView(MethodView):
    # Whoever holds the body's chair seat rules (seed 001's PPTM is chaired by a team manager), so the
    # service decides who may, not the access role's permission to record.
    @require("panels.view")
    @blp.arguments(RulingSchema)
    @blp.response(200, DeclarationSchema)
    def post(self, data, tenant_slug, declaration_id):
        """The chair's ruling (403 for anyone but the chair, or on one's own declaration)."""
        declaration = get_or_404(Declaration, declaration_id)
        return _act(lambda: services.rule_on_declaration(declaration, data["ruling"], by=g.api_user,
                                                         access_roles=current_roles()))


@blp.route("/agenda-items/<int:agenda_item_id>/record")
class ItemRecordView(MethodView):
    @require("panels.view")
    @blp.response(200, ItemRecordSchema)
    def get(self, tenant_slug, agenda_item_id):
        """The meeting's record of the item (the read of the child's item is audited)."""
        return load_or_404(AgendaItem, agenda_item_id)

    @require("meetings.record")
    @blp.arguments(ItemRecordUpdateSchema)
    @blp.response(200, ItemRecordSchema)
    def put(self, data, tenant_slug, agenda_item_id):
        """Record the item: it becomes heard; its outcome takes effect, or awaits the decision maker's
        sign-off when the ToR outcome requires one. 409 if the item is not on the agenda."""
        item = load_or_404(AgendaItem, agenda_item_id)
        return _act(lambda: record.record_item(item, data, by=g.api_user, today=london_today()))


@blp.route("/agenda-items/<int:agenda_item_id>/themes")
class ItemThemesView(MethodView):
    @require("panels.view")
    @blp.response(200, ItemThemesSchema)
    def get(self, tenant_slug, agenda_item_id):
        """The practice themes the item is tagged with."""
        return load_or_404(AgendaItem, agenda_item_id)

    @require("meetings.record")
    @blp.arguments(ItemThemesUpdateSchema)
    @blp.response(200, ItemThemesSchema)
    def put(self, data, tenant_slug, agenda_item_id):
        """Tag the item with practice themes of the ToR in force (replacing its tags). 409 before its meeting."""
        item = load_or_404(AgendaItem, agenda_item_id)
        return _act(lambda: themes.tag_item(item, data["themes"], themes=practice_themes(item.tenant_id),
                                            today=london_today()))


@blp.route("/agenda-items/<int:agenda_item_id>/defer")
class DeferView(MethodView):
    @require("meetings.record")
    @blp.arguments(DeferSchema)
    @blp.response(201, DeferredSchema)
    def post(self, data, tenant_slug, agenda_item_id):
        """Defer a booked item to the body's next sitting (a new booked item carried from it)."""
        item = load_or_404(AgendaItem, agenda_item_id)
        carried = _act(lambda: record.defer_item(item, data["reason"], by=g.api_user, today=london_today()))
        return {"deferred": item, "carried": carried}


@blp.route("/agenda-items/<int:agenda_item_id>/not-heard")
class NotHeardView(MethodView):
    @require("meetings.record")
    @blp.arguments(NotHeardSchema)
    @blp.response(201, NotHeardResultSchema)
    def post(self, data, tenant_slug, agenda_item_id):
        """Mark a booked item not heard, with the reason (from the day of the meeting); the child is
        proposed at the next sitting, or at a tracking meeting their next meeting is booked."""
        item = load_or_404(AgendaItem, agenda_item_id)
        following = _act(lambda: record.mark_not_heard(item, data["reason"], by=g.api_user, today=london_today()))
        return {"not_heard": item, "next": following}


@blp.route("/agenda-items/<int:agenda_item_id>/sign-off")
class SignOffView(MethodView):
    @require("meetings.sign_off")
    @blp.arguments(SignOffSchema)
    @blp.response(200, ItemRecordSchema)
    def post(self, data, tenant_slug, agenda_item_id):
        """The named decision maker agrees or disagrees (a note is required to disagree)."""
        item = load_or_404(AgendaItem, agenda_item_id)
        return _act(lambda: record.sign_off_item(item, data["agree"], data["note"], by=g.api_user,
                                                 access_roles=current_roles(), today=london_today()))
