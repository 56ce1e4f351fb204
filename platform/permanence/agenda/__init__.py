"""The agenda of a sitting: panel seats, items ordered within parts with slots and presenters,
paperwork status at a glance, publishing (e-mail with an iCalendar invitation), the papers
pack and each member's private calendar feed."""


def init_app(app):
    pass
