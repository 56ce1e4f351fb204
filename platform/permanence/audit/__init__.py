"""The audit log: who did what, when, in which council, to which record."""


def init_app(app):
    from ..web.navigation import register_nav
    from .views import bp

    app.register_blueprint(bp)
    register_nav("Audit log", "audit.log", "audit.view", order=90)
