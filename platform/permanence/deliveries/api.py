"""The delivery log through the JSON API: a decision record's deliveries, read only, with the same
permission and object rules as the pages (the item through ``load_or_404``)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from ..accounts.permissions import load_or_404, require
from ..panels.models import AgendaItem
from . import services
from .schemas import DeliverySchema

blp = Blueprint("deliveries_api", __name__, description="Delivery of decision records to the case record system")


@blp.route("/agenda-items/<int:agenda_item_id>/deliveries")
class ItemDeliveriesView(MethodView):
    @require("deliveries.manage")
    @blp.response(200, DeliverySchema(many=True))
    def get(self, tenant_slug, agenda_item_id):
        """The decision record's deliveries, one per destination: status, attempts, last error, reference."""
        return services.deliveries_of(load_or_404(AgendaItem, agenda_item_id))
