"""Actions through the JSON API, with the same permissions and object rules as the pages."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from ..accounts.permissions import load_or_404, require, visible
from ..core.clock import london_today
from ..extensions import db
from ..panels.models import Action, ActionStatus, AgendaItem
from . import services
from .schemas import ActionCreateSchema, ActionQuerySchema, ActionSchema, ActionUpdateSchema

blp = Blueprint("actions_api", __name__, description="Actions agreed at meetings")


def _unprocessable(exc: services.ActionError):
    abort(422, errors={"json": {exc.field: [exc.message]}}, message="Unprocessable Entity")


@blp.route("/actions")
class ActionListView(MethodView):
    @require("actions.view")
    @blp.arguments(ActionQuerySchema, location="query")
    @blp.response(200, ActionSchema(many=True))
    def get(self, args, tenant_slug):
        """Actions the token's user may see (their own, and those about children they may see), soonest
        due first; ``mine``, ``status``, ``overdue``, ``owner_id`` and ``body_id`` narrow the list."""
        flt = services.ActionFilter(overdue=args["overdue"], body_id=args.get("body_id"),
                                    owner_id=g.api_user.id if args["mine"] else args.get("owner_id"),
                                    status=ActionStatus(args["status"]) if args.get("status") else None)
        stmt = services.filter_actions(visible(select(Action), Action), flt, london_today())
        return db.session.execute(stmt.limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])
                                  ).scalars().all()


@blp.route("/agenda-items/<int:agenda_item_id>/actions")
class ItemActionsView(MethodView):
    @require("meetings.record")
    @blp.arguments(ActionCreateSchema)
    @blp.response(201, ActionSchema)
    def post(self, data, tenant_slug, agenda_item_id):
        """Add a SMART action to the agenda item. 422 names the field that is not SMART."""
        item = load_or_404(AgendaItem, agenda_item_id)
        try:
            return services.add_action(item, data["description"], data["owner_id"], data["due_on"])
        except services.ActionError as exc:
            _unprocessable(exc)


@blp.route("/actions/<int:action_id>")
class ActionView(MethodView):
    @require("actions.view")
    @blp.response(200, ActionSchema)
    def get(self, tenant_slug, action_id):
        """One action."""
        return load_or_404(Action, action_id)

    @require("actions.update")
    @blp.arguments(ActionUpdateSchema)
    @blp.response(200, ActionSchema)
    def patch(self, data, tenant_slug, action_id):
        """Update the status and progress: the owner, or someone who records meetings (else 403)."""
        action = load_or_404(Action, action_id)
        try:
            return services.update_action(action, data["status"], data["progress"], by=g.api_user)
        except services.NotYoursError as exc:
            abort(403, message=str(exc))
        except services.ActionError as exc:
            _unprocessable(exc)
