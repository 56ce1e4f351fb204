"""People who sign in: users, their memberships and roles in each council, API tokens, and the
council's audit log page (who may read it is a role, so it lives with the roles)."""

from ..core.registry import register_nav
from ..extensions import db, login_manager
from . import policies  # noqa: F401  (registers the object rules)
from .audit_log import bp as audit_bp
from .models import User
from .views import bp


def init_app(app):
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id):
        return db.session.get(User, int(user_id))

    app.register_blueprint(bp)
    app.register_blueprint(audit_bp)
    register_nav("Users", "accounts.users", "users.manage", order=80)
    register_nav("Audit log", "audit.log", "audit.view", order=90)
    register_nav("API tokens", "accounts.tokens", "api_tokens.manage", order=95)
