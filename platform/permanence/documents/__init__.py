"""Papers: documents attached to a child, an agenda item or any registered subject, stored in the
database in versions, read only by those entitled to the subject, every download audited.

Other features call ``register_subject`` once and then ``services.attach`` /
``services.documents_for`` / ``services.paperwork_status``; pages embed the
``documents/_papers.html`` macro with ``views.papers_panel``.
"""

from ..core.registry import register_api
from . import subjects  # noqa: F401  (registers the object rule)
from .api import blp as api_blp
from .subjects import on_new_version  # noqa: F401  (a feature's hook on each new version of its papers)
from .subjects import register_subject as register
from .views import bp


def register_subject(subject_type: str, model, criterion, *, paperwork=None, page=None, label=None) -> None:
    """See ``documents.subjects.register_subject``."""
    register(subject_type, model, criterion, paperwork=paperwork, page=page, label=label)


def init_app(app):
    app.register_blueprint(bp)
    register_api(api_blp, "/papers")
