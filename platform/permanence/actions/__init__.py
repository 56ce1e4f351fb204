"""Actions agreed at meetings: owner, due date, status; owners update their own; overdue ones
are flagged and come back on the child's next agenda item."""


def init_app(app):
    pass
