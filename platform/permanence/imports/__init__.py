"""Imports: an SSDA903 extract or the council's tracker spreadsheet, uploaded and run as a job."""

from ..core.registry import register_nav
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    register_nav("Imports", "imports.index", "children.import", order=70)
