"""Reports: a panel's figures for a period (page, PDF, CSV), aggregate only, built on schedule for the
ToR's reporting duties (``duties``); the decision register
(``register``: every decision of every panel and tracking meeting, filtered, as a page, CSV, XLSX and
through the API)."""

from ..core.registry import register_api, register_nav
from ..core.schedule import register_periodic
from .decisions_api import blp as decisions_api_blp
from .jobs import build_due_reports_job
from .register_views import bp as register_bp
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    app.register_blueprint(register_bp)
    register_api(decisions_api_blp, "")
    register_nav("Decision register", "register.decisions", "panels.view", order=33)
    register_nav("Reports", "reports.index", "reports.view", order=60)
    register_periodic("build-due-reports", build_due_reports_job, "0 6 * * *",
                      description="Builds the reports the terms of reference's reporting duties owe for a period "
                                  "that has ended, and e-mails their audience a link, once.")
