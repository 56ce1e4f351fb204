"""Papers: documents attached to a child, an agenda item or any registered subject, stored in the
database in versions, read only by those entitled to the subject, every download audited.

Other features call ``register_subject`` once and then ``services.attach`` /
``services.documents_for`` / ``services.paperwork_status``; pages embed the
``documents/_papers.html`` macro with ``views.papers_panel``.
"""


def register_subject(subject_type: str, model, criterion, *, paperwork=None, page=None, label=None) -> None:
    """See ``documents.subjects.register_subject``."""
    from .subjects import register_subject as register

    register(subject_type, model, criterion, paperwork=paperwork, page=page, label=label)


def init_app(app):
    from . import subjects  # noqa: F401  (registers the object rule)
    from .views import bp

    app.register_blueprint(bp)
