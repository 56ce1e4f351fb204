"""The tracker through the JSON API: a child's milestones, the tracker's rows, drift, and
acknowledging and escalating drift, with the same permissions and object rules as the pages."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from ..accounts.permissions import load_or_404, require, visible
from ..cases.models import Child
from ..core.clock import london_today
from ..extensions import db
from ..tor.services import current_tor
from . import drift as drift_service
from .listing import TrackerQuery, tracker_page
from .models import Drift
from .schemas import (AcknowledgeSchema, AcknowledgementSchema, DriftQuerySchema, DriftSchema, EscalateSchema,
                      EscalationSchema, MilestoneSchema, TrackerQuerySchema, TrackerRowSchema)
from .services import milestones_of

blp = Blueprint("tracker_api", __name__, description="Milestones, the tracker and drift")


def _unprocessable(field: str, message: str):
    abort(422, errors={"json": {field: [message]}}, message="Unprocessable Entity")


@blp.route("/children/<int:child_id>/milestones")
class ChildMilestonesView(MethodView):
    @require("children.view")
    @blp.response(200, MilestoneSchema(many=True))
    def get(self, tenant_slug, child_id):
        """A child's milestones, soonest due first, each naming the rule that produced it (the read of
        the child is audited)."""
        child = load_or_404(Child, child_id)
        return milestones_of(child.id)


@blp.route("/tracker/")
class TrackerView(MethodView):
    @require("tracker.view")
    @blp.arguments(TrackerQuerySchema, location="query")
    @blp.response(200, TrackerRowSchema(many=True))
    def get(self, args, tenant_slug):
        """The tracker's rows for the children the token's user may see, filtered and sorted as on the
        tracker page."""
        query = TrackerQuery(
            body=args.get("body"), team_id=args.get("team_id"), worker_id=args.get("worker_id"),
            legal_status=args.get("legal_status"), plan_route=args.get("plan_route"),
            drift_only=args["drift_only"], mine_of=g.api_user.id if args["mine"] else None, sort=args["sort"],
            direction=args["direction"], page=args["page"], per_page=args["per_page"])
        return tracker_page(query, london_today()).rows


@blp.route("/drift/")
class DriftListView(MethodView):
    @require("escalations.manage")
    @blp.arguments(DriftQuerySchema, location="query")
    @blp.response(200, DriftSchema(many=True))
    def get(self, args, tenant_slug):
        """Open (or closed) drift on the children the token's user may see."""
        stmt = visible(select(Drift), Drift).where(
            Drift.closed_on.is_(None) if args["status"] == "open" else Drift.closed_on.is_not(None))
        if args.get("child_id"):
            stmt = stmt.where(Drift.child_id == args["child_id"])
        return db.session.execute(stmt.order_by(Drift.id).limit(args["per_page"])
                                  .offset((args["page"] - 1) * args["per_page"])).scalars().all()


@blp.route("/drift/<int:drift_id>")
class DriftView(MethodView):
    @require("escalations.manage")
    @blp.response(200, DriftSchema)
    def get(self, tenant_slug, drift_id):
        """One drift with its escalations and acknowledgements."""
        return load_or_404(Drift, drift_id)


def _act(change):
    try:
        return change()
    except drift_service.TrackerError as exc:
        _unprocessable(exc.field, exc.message)
    except drift_service.DriftStateError as exc:
        abort(409, message=exc.message)


@blp.route("/drift/<int:drift_id>/acknowledgements")
class AcknowledgeView(MethodView):
    @require("escalations.manage")
    @blp.arguments(AcknowledgeSchema)
    @blp.response(201, AcknowledgementSchema)
    def post(self, data, tenant_slug, drift_id):
        """Acknowledge the drift: what was decided (a choice) and a note. 409 if the drift is closed."""
        drift = load_or_404(Drift, drift_id)
        return _act(lambda: drift_service.acknowledge_drift(
            drift, data.get("decision"), data.get("note"), by=g.api_user, today=london_today()))


@blp.route("/drift/<int:drift_id>/escalations")
class EscalateView(MethodView):
    @require("escalations.manage")
    @blp.arguments(EscalateSchema)
    @blp.response(201, EscalationSchema)
    def post(self, data, tenant_slug, drift_id):
        """Escalate the drift to the next step of its ladder now, with a reason; the step's people are
        e-mailed. 409 if the drift is closed, has no ladder or is at its top."""
        drift = load_or_404(Drift, drift_id)
        return _act(lambda: drift_service.escalate_drift(drift, data.get("reason"), by=g.api_user,
                                                         tor=current_tor(g.tenant.id), today=london_today()))
