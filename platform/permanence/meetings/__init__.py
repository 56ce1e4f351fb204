"""The meeting itself: attendance and quorum, declarations of interest with the chair's
ruling, the record of each item (discussion, outcome, decision, sign-off) and the per-child
decision record."""


def init_app(app):
    pass
