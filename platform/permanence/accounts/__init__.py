"""People who sign in: users, their memberships and roles in each council, API tokens."""


def init_app(app):
    from ..extensions import db, login_manager
    from ..web.navigation import register_nav
    from .models import User
    from . import policies  # noqa: F401  (registers the object rules)
    from .views import bp

    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id):
        return db.session.get(User, int(user_id))

    app.register_blueprint(bp)
    register_nav("Users", "accounts.users", "users.manage", order=80)
    register_nav("API tokens", "accounts.tokens", "api_tokens.manage", order=95)
