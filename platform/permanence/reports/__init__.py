"""Reports: a panel's figures for a period (page, PDF, CSV), aggregate only; the decision register."""

from ..core.registry import register_nav
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    register_nav("Reports", "reports.index", "reports.view", order=60)
