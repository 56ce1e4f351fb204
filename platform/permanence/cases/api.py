"""Children through the JSON API, with the same permissions and audit as the web pages."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import func, or_, select

from ..accounts.permissions import load_or_404, require, visible
from ..extensions import db
from .models import Child
from .services import ChildError, record_legal_status, update_child
from .schemas import (ChildHistorySchema, ChildQuerySchema, ChildSchema, ChildUpdateSchema, LegalStatusCreateSchema,
                      LegalStatusSchema)

blp = Blueprint("children_api", __name__, description="Children's records")


@blp.route("/")
class ChildListView(MethodView):
    @require("children.view")
    @blp.arguments(ChildQuerySchema, location="query")
    @blp.response(200, ChildSchema(many=True))
    def get(self, args, tenant_slug):
        """The children the token's user may see."""
        stmt = visible(select(Child), Child)
        if args.get("q"):
            like = f"%{args['q'].lower()}%"
            stmt = stmt.where(or_(func.lower(Child.last_name).like(like), func.lower(Child.case_number).like(like)))
        return db.session.execute(
            stmt.order_by(Child.id).limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])
        ).scalars().all()


@blp.route("/<int:child_id>")
class ChildView(MethodView):
    @require("children.view")
    @blp.response(200, ChildSchema)
    def get(self, tenant_slug, child_id):
        """One child's record (the read is audited)."""
        return load_or_404(Child, child_id)

    @require("children.edit")
    @blp.arguments(ChildUpdateSchema)
    @blp.response(200, ChildSchema)
    def patch(self, data, tenant_slug, child_id):
        """Change fields of a child's record (the change is audited with before and after values)."""
        child = load_or_404(Child, child_id)
        try:
            return update_child(child, data)
        except ChildError as exc:
            abort(422, errors={"json": {exc.field: [str(exc)]}}, message="Unprocessable Entity")


@blp.route("/<int:child_id>/history")
class ChildHistoryView(MethodView):
    @require("children.view")
    @blp.response(200, ChildHistorySchema)
    def get(self, tenant_slug, child_id):
        """A child's dated histories: periods of care, legal statuses, placements, reviews, proceedings,
        pre-proceedings, permanence plans and recorded circumstances (the read is audited)."""
        return load_or_404(Child, child_id)


@blp.route("/<int:child_id>/legal-statuses")
class ChildLegalStatusView(MethodView):
    @require("children.edit")
    @blp.arguments(LegalStatusCreateSchema)
    @blp.response(201, LegalStatusSchema)
    def post(self, data, tenant_slug, child_id):
        """Record a change of legal status from a date (audited); the child's milestones are recomputed."""
        child = load_or_404(Child, child_id)
        try:
            return record_legal_status(child, data.get("code"), data.get("start"), data.get("s20_entry"))
        except ChildError as exc:
            abort(422, errors={"json": {exc.field: [str(exc)]}}, message="Unprocessable Entity")
