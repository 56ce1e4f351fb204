"""Actions agreed at meetings: owner, due date, status; owners update their own; overdue ones
are flagged and come back on the child's next agenda item."""

from ..cases.sections import register_child_section
from ..core.registry import register_api, register_nav
from ..panels.models import ActionStatus
from . import policies, timeline  # noqa: F401  (the object rule; actions on the child's timeline)
from .api import blp as api_blp
from .services import STATUS_LABELS
from .views import bp, child_open_actions, item_actions_section


def init_app(app):
    app.register_blueprint(bp)
    register_api(api_blp, "")
    app.add_template_global(item_actions_section, "item_actions_section")
    register_child_section("actions", "actions/_child.html", child_open_actions, order=20, permission="actions.view")
    app.add_template_global(ActionStatus, "ActionStatus")
    app.add_template_global(STATUS_LABELS, "ACTION_STATUS_LABELS")
    register_nav("My actions", "actions.mine", "actions.view", order=30)
    register_nav("Actions", "actions.council", "actions.oversee", order=31)
