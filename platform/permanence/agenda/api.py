"""The agenda through the JSON API: seats, upcoming meetings with their deadlines, the agenda,
an item's slot and presenters, publishing. Same permissions and object rules as the pages."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from ..accounts.permissions import has_permission, load_or_404, require
from ..core.clock import london_today
from ..core.db import get_or_404
from ..core.jobs import commit
from ..extensions import db
from ..panels import services as panel_services
from ..panels.models import AgendaItem, Meeting, PanelMember
from ..tor.services import current_tor
from . import publishing, seats as seat_services, services
from .schemas import (AgendaItemSchema, AgendaSchema, ItemPatchSchema, MeetingDetailSchema, MeetingQuerySchema,
                      MeetingSchema, SeatSchema, SeatsSchema)

blp = Blueprint("agenda_api", __name__, description="Panel seats, meetings, agendas and publishing")


def unprocessable(field: str, message: str):
    abort(422, errors={"json": {field: [message]}}, message="Unprocessable Entity")


def run(change):
    """Run a service change; its AgendaError is a 422 naming the field (nothing is written)."""
    try:
        return change()
    except seat_services.AgendaError as exc:
        if exc.field in ("item", "meeting"):  # the state of the item or meeting, not the input
            abort(409, message=exc.message)
        unprocessable(exc.field, exc.message)


def _body_or_404(body_id):
    body = seat_services.panel_body(body_id)
    if body is None:
        abort(404, message="No panel with this id in the terms of reference in force")
    return body


@blp.route("/bodies/<body>/seats")
class SeatsView(MethodView):
    @require("panels.view")
    @blp.response(200, SeatsSchema)
    def get(self, tenant_slug, body):
        """The ToR's seats of the panel (filled or vacant) and who sits on it."""
        body = _body_or_404(body)
        holders = seat_services.seats_of(body.id)
        return {"body_id": body.id, "name": body.name, "tor_seats": seat_services.seat_rows(body, holders),
                "seats": holders}

    @require("panels.manage")
    @blp.arguments(SeatSchema)
    @blp.response(201, SeatSchema)
    def post(self, data, tenant_slug, body):
        """Seat a member of the council in one of the ToR's seats (``seat`` is its index)."""
        body = _body_or_404(body)
        member = run(lambda: seat_services.add_seat(body, data["user_id"], data["seat"], active=data["active"]))
        commit()
        return member


@blp.route("/bodies/<body>/seats/<int:panel_member_id>")
class SeatView(MethodView):
    @require("panels.manage")
    @blp.response(204)
    def delete(self, tenant_slug, body, panel_member_id):
        """Take a member off the panel."""
        body = _body_or_404(body)
        member = get_or_404(PanelMember, panel_member_id)
        if member.body_id != body.id:
            abort(404)
        seat_services.remove_seat(member)
        commit()


def _meeting(row: Meeting, names: dict, deadlines: bool = False) -> dict:
    data = {key: getattr(row, key) for key in ("id", "body_id", "date", "starts_at", "ends_at", "venue", "status",
                                               "agenda_published_at")}
    data["body_name"] = names.get(row.body_id, row.body_id)
    if deadlines:
        data["deadlines"] = panel_services.meeting_deadlines(row)
    return data


def _names() -> dict:
    tor = current_tor(g.tenant.id)
    return {b.id: b.name for b in tor.bodies} if tor else {}


@blp.route("/meetings")
class MeetingsView(MethodView):
    @require("panels.view")
    @blp.arguments(MeetingQuerySchema, location="query")
    @blp.response(200, MeetingSchema(many=True))
    def get(self, args, tenant_slug):
        """Sittings from today, soonest first (cancelled ones say so)."""
        stmt = select(Meeting).where(Meeting.date >= london_today())
        if args.get("body_id"):
            stmt = stmt.where(Meeting.body_id == args["body_id"])
        rows = db.session.execute(stmt.order_by(Meeting.date, Meeting.id).limit(args["per_page"])
                                  .offset((args["page"] - 1) * args["per_page"])).scalars()
        names = _names()
        return [_meeting(row, names) for row in rows]


@blp.route("/meetings/<int:meeting_id>")
class MeetingView(MethodView):
    @require("panels.view")
    @blp.response(200, MeetingDetailSchema)
    def get(self, tenant_slug, meeting_id):
        """One sitting with the deadlines its terms of reference set."""
        return _meeting(get_or_404(Meeting, meeting_id), _names(), deadlines=True)


def _row(agenda_row) -> dict:
    item = agenda_row.item
    return {"id": item.id, "part_id": item.part_id, "position": agenda_row.number, "subject": item.subject_name,
            "case_numbers": [c.case_number for c in item.children], "starts_at": agenda_row.starts_at,
            "minutes_allowed": agenda_row.minutes,
            "presenter_id": agenda_row.presenter.id if agenda_row.presenter else None,
            "second_presenter_id": agenda_row.second_presenter.id if agenda_row.second_presenter else None,
            "late": item.late, "entry_route": item.entry_route, "proposal_source": item.proposal_source,
            "paperwork": {"complete": agenda_row.paperwork.complete,
                          "missing": [p.label for p in agenda_row.paperwork.missing]}}


def _agenda(agenda) -> dict:
    return {"meeting": _meeting(agenda.meeting, _names()), "published_at": agenda.meeting.agenda_published_at,
            "parts": [{"id": p.id, "title": p.title, "items": [_row(r) for r in p.rows]} for p in agenda.parts]}


@blp.route("/meetings/<int:meeting_id>/agenda")
class AgendaView(MethodView):
    @require("panels.view")
    @blp.response(200, AgendaSchema)
    def get(self, tenant_slug, meeting_id):
        """The booked items by part with slots, presenters and paperwork status: every item for the panel
        administrator, otherwise only the items the token's user may see."""
        page = services.agenda_page(get_or_404(Meeting, meeting_id), g.membership, has_permission("panels.manage"))
        return _agenda(page["agenda"])


@blp.route("/agenda-items/<int:agenda_item_id>")
class AgendaItemView(MethodView):
    @require("panels.manage")
    @blp.arguments(ItemPatchSchema)
    @blp.response(200, AgendaItemSchema)
    def patch(self, data, tenant_slug, agenda_item_id):
        """Change a booked item's position in its part, start, minutes or presenters (409 if not booked)."""
        item = load_or_404(AgendaItem, agenda_item_id)
        run(lambda: services.update_slot(item, **data))
        commit()
        return _row(services.build_agenda(item.meeting, shown={item.id}).rows[0])


@blp.route("/meetings/<int:meeting_id>/agenda/publish")
class PublishView(MethodView):
    @require("panels.manage")
    @blp.response(200, AgendaSchema)
    def post(self, tenant_slug, meeting_id):
        """Publish (or publish again after a change): members and presenters are e-mailed with iCalendar
        invitations. 409 for a cancelled meeting or an empty agenda."""
        meeting = get_or_404(Meeting, meeting_id)
        agenda = run(lambda: publishing.publish(meeting, g.api_user))
        commit()
        return _agenda(agenda)
