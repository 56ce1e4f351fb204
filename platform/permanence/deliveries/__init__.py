"""Delivery of decision records to the council's case record system (FWi, Protocol, ICS, ...)
through destination plugins: planned when the terms of reference say (``core.signals``), one job
per record and destination, a log the panel administrator reads and sends again from."""

from ..core.registry import register_api, register_nav
from ..core.signals import minutes_approved, outcome_stands
from ..minutes.records import register_record_section
from . import services
from .api import blp
from .views import bp, record_section


def init_app(app):
    app.register_blueprint(bp)
    register_api(blp, "")
    register_nav("Deliveries", "deliveries.log", "deliveries.manage", order=75)
    register_record_section(record_section)
    minutes_approved.connect(services.on_minutes_approved, weak=False)
    outcome_stands.connect(services.on_outcome_stands, weak=False)
