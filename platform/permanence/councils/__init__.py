"""Central administration: the platform administrator onboards councils (draft, open, close),
invites each council's first administrator and loads its terms of reference. Sees no child."""

from .views import bp


def init_app(app):
    app.register_blueprint(bp)
