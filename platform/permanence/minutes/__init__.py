"""Minutes of a meeting: assembled from the items, edited with optimistic locking, approved by
the chair and circulated by the deadline of the terms of reference."""


def init_app(app):
    pass
