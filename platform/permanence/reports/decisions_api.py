"""The decision register through the JSON API: ``GET /<council>/api/v1/decisions`` with the page's
filters, the same object rules, newest first, a page at a time. A filter that is not the council's is a
422 naming it."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..accounts.permissions import require
from ..core.clock import london_today
from . import register
from .register_schemas import DecisionListSchema, DecisionQuerySchema

blp = Blueprint("decisions_api", __name__, description="The decision register: every decision of every panel and "
                                                       "tracking meeting, and those made between sittings")


@blp.route("/decisions")
class DecisionListView(MethodView):
    @require("panels.view")
    @blp.arguments(DecisionQuerySchema, location="query")
    @blp.response(200, DecisionListSchema)
    def get(self, args, tenant_slug):
        """Decisions about the children the token's user may see, newest first; ``body``, ``outcome``,
        ``team``, ``legal_status`` and ``plan_route`` (on the decision's date), ``period`` or ``from`` and
        ``to`` narrow the list."""
        start, end = args.get("from_"), args.get("to")
        if args.get("period"):
            start, end = register.period_dates(args["period"], london_today())
        flt = register.DecisionFilter(body_id=args.get("body"), outcome_id=args.get("outcome"),
                                      team_id=args.get("team"), legal_status=args.get("legal_status"),
                                      plan_route=args.get("plan_route"), start=start, end=end)
        problems = register.problems(flt, register.choices_for(g.tenant.id))
        if problems:
            abort(422, errors={"query": {name: [message] for name, message in problems.items()}},
                  message="Unprocessable Entity")
        return register.register_page(flt, args["page"], args["per_page"])
