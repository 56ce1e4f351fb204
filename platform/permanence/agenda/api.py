"""The agenda through the JSON API: seats, upcoming meetings with their deadlines, the agenda,
an item's slot and presenters, publishing. Same permissions and object rules as the pages."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..accounts.permissions import require
from ..core.db import get_or_404
from ..core.jobs import commit
from ..panels.models import PanelMember
from . import seats as seat_services
from .schemas import SeatSchema, SeatsSchema

blp = Blueprint("agenda_api", __name__, description="Panel seats, meetings, agendas and publishing")


def unprocessable(field: str, message: str):
    abort(422, errors={"json": {field: [message]}}, message="Unprocessable Entity")


def run(change):
    """Run a service change; its AgendaError is a 422 naming the field (nothing is written)."""
    try:
        return change()
    except seat_services.AgendaError as exc:
        unprocessable(exc.field, exc.message)


def _body_or_404(body_id):
    body = seat_services.panel_body(body_id)
    if body is None:
        abort(404, message="No panel with this id in the terms of reference in force")
    return body


@blp.route("/bodies/<body_id>/seats")
class SeatsView(MethodView):
    @require("panels.view")
    @blp.response(200, SeatsSchema)
    def get(self, tenant_slug, body_id):
        """The ToR's seats of the panel (filled or vacant) and who sits on it."""
        body = _body_or_404(body_id)
        holders = seat_services.seats_of(body.id)
        return {"body_id": body.id, "name": body.name, "tor_seats": seat_services.seat_rows(body, holders),
                "seats": holders}

    @require("panels.manage")
    @blp.arguments(SeatSchema)
    @blp.response(201, SeatSchema)
    def post(self, data, tenant_slug, body_id):
        """Seat a member of the council in one of the ToR's seats (``seat`` is its index)."""
        body = _body_or_404(body_id)
        member = run(lambda: seat_services.add_seat(body, data["user_id"], data["seat"], active=data["active"]))
        commit()
        return member


@blp.route("/bodies/<body_id>/seats/<int:seat_id>")
class SeatView(MethodView):
    @require("panels.manage")
    @blp.response(204)
    def delete(self, tenant_slug, body_id, seat_id):
        """Take a member off the panel."""
        body = _body_or_404(body_id)
        member = get_or_404(PanelMember, seat_id)
        if member.body_id != body.id:
            abort(404)
        seat_services.remove_seat(member)
        commit()
