"""Referrals: a social worker refers a child (or a sibling group, as one item) to a panel's
sitting and agenda part; the team manager quality-assures and submits; the late policy of the
terms of reference applies; cohort rules and the previous meeting propose children."""


def init_app(app):
    pass
