"""People who sign in: users, their memberships and roles in each council, API tokens, and the
council's audit log page (who may read it is a role, so it lives with the roles)."""

from ..core.registry import register_nav
from ..extensions import login_manager
from ..notifications.preferences import find_people_with
from . import policies  # noqa: F401  (registers the object rules)
from . import users_views  # noqa: F401  (the users page's routes, on the accounts blueprint)
from .audit_log import bp as audit_bp
from .services import user_for_session, user_id_for_email
from .views import bp


def init_app(app):
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "basic"

    # The session and remember-me cookies carry "<id>:<session version>" (User.get_id); a stale
    # or deactivated one loads no one, and web's pipeline clears it (end_revoked_session).
    login_manager.user_loader(user_for_session)

    # Whose an address is, for the notices that wait for a person's daily digest.
    find_people_with(user_id_for_email)

    app.register_blueprint(bp)
    app.register_blueprint(audit_bp)
    register_nav("Users", "accounts.users", "users.manage", order=80)
    register_nav("Audit log", "audit.log", "audit.view", order=90)
    register_nav("API tokens", "accounts.tokens", "api_tokens.manage", order=95)
