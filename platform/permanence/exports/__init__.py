"""Exports: the tracker as a spreadsheet (XLSX and CSV) in the council's own column layout, and the
council's data for its own analysts as flat CSV files with a data dictionary (downloaded, and
written on the schedule its terms of reference ask for)."""

from ..core.registry import register_nav
from ..core.schedule import register_periodic
from .analytics_views import bp as analytics_bp
from .jobs import analytics_export_job
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    app.register_blueprint(analytics_bp)
    register_nav("Data for analysts", "analytics.page", "reports.export", order=75)
    # Not retried: a missing or unwritable folder needs the operator, and the next day's run tries again.
    register_periodic("analytics-export", analytics_export_job, "0 6 * * *", retries=0,
                      description="Writes each council's data for its analysts (CSV files in a ZIP) to the "
                                  "operator's folder, when its terms of reference ask for it and it is due.")
