"""Councils (tenants): their records, URL resolution and the central admin area."""


def init_app(app):
    from .views import bp

    app.register_blueprint(bp)
