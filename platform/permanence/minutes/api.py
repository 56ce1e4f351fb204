"""Minutes, decision records and the meetings that considered a child through the JSON API, with the
same permissions and object rules as the pages. A change based on a stale revision is a 409
carrying the current text and revision."""

from types import SimpleNamespace

from flask import g, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..accounts.permissions import load_or_404, require
from ..cases.models import Child
from ..core.clock import london_today
from ..core.db import get_or_404
from ..panels.models import Meeting, Minutes
from . import services
from .child_page import child_meetings
from .records import decision_record
from .schemas import (ApproveSchema, AssembleSchema, ChildMeetingSchema, DecisionRecordSchema, MinutesConflictSchema,
                      MinutesSchema, MinutesUpdateSchema)
from .views import load_heard_item

blp = Blueprint("minutes_api", __name__, description="Minutes of meetings and per-child decision records")


def _dump(meeting, minutes):
    """The minutes with the meeting's deadline and overdue flag, for MinutesSchema."""
    due = services.minutes_due(meeting)
    fields = ("meeting_id", "text", "revision", "status", "edited_by_id", "approved_by_id", "approved_at",
              "circulated_at")
    return SimpleNamespace(**{f: getattr(minutes, f) for f in fields}, due_on=due.due if due else None,
                           overdue=services.minutes_overdue(meeting, london_today()))


def _minutes_of(meeting_id, *, required=True):
    meeting = get_or_404(Meeting, meeting_id)
    if meeting.minutes is None:
        if required:
            abort(404, message="This meeting has no minutes yet")
        return meeting, None
    return meeting, load_or_404(Minutes, meeting.minutes.id)


def _conflict(exc: services.MinutesConflict):
    response = jsonify({"code": 409, "status": "Conflict",
                        "message": "Someone else saved the minutes first; nothing was written",
                        "text": exc.text, "revision": exc.revision})
    response.status_code = 409
    return response


def _run(meeting, change):
    try:
        minutes = change()
    except services.MinutesConflict as exc:
        return _conflict(exc)
    except services.ReplaceNeedsConfirmation as exc:
        abort(409, message="The draft was edited by hand; send replace=true with its revision "
                           f"({exc.minutes.revision}) to replace it")
    except services.MinutesStateError as exc:
        abort(409, message=exc.message)
    except services.MinutesError as exc:
        abort(422, errors={"json": {exc.field: [exc.message]}}, message="Unprocessable Entity")
    return _dump(meeting, minutes)


@blp.route("/meetings/<int:meeting_id>/minutes")
class MinutesView(MethodView):
    @require("panels.view")
    @blp.response(200, MinutesSchema)
    def get(self, tenant_slug, meeting_id):
        """The meeting's minutes with their revision, deadline and overdue flag (404 before any)."""
        return _dump(*_minutes_of(meeting_id))

    @require("minutes.edit")
    @blp.arguments(MinutesUpdateSchema)
    @blp.response(200, MinutesSchema)
    @blp.alt_response(409, schema=MinutesConflictSchema)
    def put(self, data, tenant_slug, meeting_id):
        """Save the minutes' text from ``revision``. A stale revision (someone saved since) is a 409 with
        the current text and revision, and nothing is written."""
        meeting, minutes = _minutes_of(meeting_id)
        return _run(meeting, lambda: services.save_minutes(minutes, data["text"], data["revision"], by=g.api_user))


@blp.route("/meetings/<int:meeting_id>/minutes/assemble")
class AssembleView(MethodView):
    @require("minutes.edit")
    @blp.arguments(AssembleSchema)
    @blp.response(200, MinutesSchema)
    @blp.alt_response(409, schema=MinutesConflictSchema)
    def post(self, data, tenant_slug, meeting_id):
        """Create or refresh the draft from the record. A draft edited by hand is a 409 unless
        ``replace`` is true with its current ``revision``."""
        meeting, _ = _minutes_of(meeting_id, required=False)
        return _run(meeting, lambda: services.assemble(meeting, g.api_user, replace=data["replace"],
                                                       revision=data["revision"]))


@blp.route("/meetings/<int:meeting_id>/minutes/approve")
class ApproveView(MethodView):
    @require("minutes.approve")
    @blp.arguments(ApproveSchema)
    @blp.response(200, MinutesSchema)
    @blp.alt_response(409, schema=MinutesConflictSchema)
    def post(self, data, tenant_slug, meeting_id):
        """The chair approves the revision they read (409 if it is stale or already approved)."""
        meeting, minutes = _minutes_of(meeting_id)
        return _run(meeting, lambda: services.approve_minutes(minutes, g.api_user, data["revision"]))


@blp.route("/meetings/<int:meeting_id>/minutes/circulate")
class CirculateView(MethodView):
    @require("panels.manage")
    @blp.response(200, MinutesSchema)
    @blp.alt_response(409, schema=MinutesConflictSchema)
    def post(self, tenant_slug, meeting_id):
        """Circulate approved minutes: seated members and presenters are e-mailed links (409 if not approved)."""
        meeting, minutes = _minutes_of(meeting_id)
        return _run(meeting, lambda: (services.circulate_minutes(minutes, g.api_user), minutes)[1])


@blp.route("/agenda-items/<int:agenda_item_id>/decision-record")
class DecisionRecordView(MethodView):
    @require("panels.view")
    @blp.response(200, DecisionRecordSchema)
    def get(self, tenant_slug, agenda_item_id):
        """The per-child decision record of a heard item (the read of each child is audited)."""
        return decision_record(load_heard_item(agenda_item_id))


@blp.route("/children/<int:child_id>/meetings")
class ChildMeetingsView(MethodView):
    @require("panels.view")
    @blp.response(200, ChildMeetingSchema(many=True))
    def get(self, tenant_slug, child_id):
        """Every panel and tracking meeting that considered the child, on their own or with their sibling
        group, newest first: heard (outcome, decision, decision record), deferred, not heard, not yet
        recorded or booked. Only what the object rules let the token's user see; the read of the child
        (and of siblings whose group's decisions are shown) is audited."""
        return child_meetings(load_or_404(Child, child_id))
