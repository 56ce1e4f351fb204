"""Exports: the tracker as a spreadsheet (XLSX and CSV) in the council's own column layout."""

from .views import bp


def init_app(app):
    app.register_blueprint(bp)
