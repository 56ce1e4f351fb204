"""Who am I: the token's user and their roles in this council."""

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..accounts.permissions import require
from ..core.schemas import Int

blp = Blueprint("me_api", __name__, description="The token's user")


class MeSchema(Schema):
    id = Int()
    email = fields.Str()
    name = fields.Str()
    tenant = fields.Str()
    roles = fields.List(fields.Str())


@blp.route("/")
class MeView(MethodView):
    @require("home.view")
    @blp.response(200, MeSchema)
    def get(self, tenant_slug):
        """The user this token acts as, and their roles in this council."""
        user = g.api_user
        return {"id": user.id, "email": user.email, "name": user.name, "tenant": g.tenant.slug,
                "roles": sorted(g.membership.roles)}
