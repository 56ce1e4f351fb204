"""The child's record as a subject of papers (the latest care plan, assessments, review minutes).

Who may read a child's papers is exactly who may see the child (the ``Child`` object rule).
The papers offered on the child's page are every paperwork item of the council's terms of
reference, once each, so a paper uploaded here is the one a referral will find.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from ..accounts.permissions import visible
from ..core import context
from ..documents import register_subject
from ..tor.services import current_tor
from .models import Child


def children_whose_papers_member_reads(membership):
    """The children the member may see, by the one Child object rule (``visible`` applies it for the
    request's member, the member the Document rule is being evaluated for)."""
    return Child.id.in_(visible(select(Child.id), Child))


def paperwork_for_child(child) -> tuple:
    """Every paperwork item of the council's active terms of reference, first label kept."""
    tor = current_tor(context.current_tenant_id())
    items = {}
    for body in tor.bodies if tor is not None else ():
        for item in (*body.paperwork, *(i for part in body.agenda_parts for i in part.paperwork)):
            items.setdefault(item.id, item)
    return tuple(items.values())


register_subject("child", Child, children_whose_papers_member_reads, paperwork=paperwork_for_child,
                 page=lambda child: url_for("cases.child", child_id=child.id), label=lambda child: child.name)
