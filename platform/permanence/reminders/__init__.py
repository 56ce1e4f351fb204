"""Reminders: referral deadlines approaching, papers missing, minutes due, actions due; sent
once each as RQ jobs in the council's own wording."""


def init_app(app):
    pass
