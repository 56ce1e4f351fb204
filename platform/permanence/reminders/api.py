"""Tracking meetings and reminders through the JSON API, with the same permissions and object
rules as the pages: the booked tracking meetings a member may see, one meeting with its
headings, booking the due ones now, and the reminders due on a day (what the daily job sends)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.permissions import require
from ..core.clock import london_today
from ..core.jobs import commit
from ..panels.tracking import book_due_tracking_meetings
from ..panels.tracking_invites import invitees
from ..panels.tracking_views import booked_tracking_items, load_tracking_meeting
from .schemas import DueQuerySchema, DueReminderSchema, TrackingItemSchema, TrackingMeetingSchema
from .services import preview_due_reminders

blp = Blueprint("reminders_api", __name__, description="Tracking meetings and reminders")


@blp.route("/tracking-meetings/")
class TrackingMeetingsView(MethodView):
    @require("panels.view")
    @blp.response(200, TrackingItemSchema(many=True))
    def get(self, tenant_slug):
        """The booked tracking meetings from today of the children the token's user may see."""
        return booked_tracking_items(london_today())

    @require("panels.manage")
    @blp.response(201, TrackingItemSchema(many=True))
    def post(self, tenant_slug):
        """Book now every child's next tracking meeting not booked yet (what the daily job does);
        returns those booked, and their invitations are sent."""
        booked = book_due_tracking_meetings(london_today())
        commit()
        return booked


@blp.route("/tracking-meetings/<int:meeting_id>")
class TrackingMeetingView(MethodView):
    @require("panels.view")
    @blp.response(200, TrackingMeetingSchema)
    def get(self, tenant_slug, meeting_id):
        """One child's tracking meeting (the read of the child is audited)."""
        meeting, body, item = load_tracking_meeting(meeting_id)
        return {"meeting": meeting, "meeting_id": meeting.id, "id": item.id, "child_id": item.child_id,
                "subject_name": item.subject_name, "entry_route": item.entry_route, "reason": item.reason,
                "body_name": body.name, "headings": list(body.part(item.part_id).headings),
                "invited": invitees(item, body), "outcomes": body.outcomes}


@blp.route("/reminders/due")
class DueRemindersView(MethodView):
    @require("panels.manage")
    @blp.arguments(DueQuerySchema, location="query")
    @blp.response(200, DueReminderSchema(many=True))
    def get(self, args, tenant_slug):
        """The reminders due on ``date`` (today by default) in the council's words, each saying
        whether it was already sent; nothing is sent."""
        return preview_due_reminders(args.get("date") or london_today())
