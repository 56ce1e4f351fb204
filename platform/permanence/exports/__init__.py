"""Exports: the tracker as a spreadsheet (XLSX and CSV) in the council's own column layout."""


def init_app(app):
    from .views import bp

    app.register_blueprint(bp)
