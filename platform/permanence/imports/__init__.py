"""Imports: an SSDA903 extract or the council's tracker spreadsheet, uploaded and run as a job."""


def init_app(app):
    from ..web.navigation import register_nav
    from . import cli  # noqa: F401  (adds 'permanence children import-tracker')
    from .views import bp

    app.register_blueprint(bp)
    register_nav("Imports", "imports.index", "children.import", order=70)
