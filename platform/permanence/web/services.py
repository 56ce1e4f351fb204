"""What each member's home page shows, by role. No Flask request objects here."""

from __future__ import annotations

from sqlalchemy import func, select

from ..accounts.permissions import visible
from ..accounts.roles import ROLES
from ..cases.models import Child
from ..cases.services import children_for_listing
from ..extensions import db

ROLE_PURPOSE = {
    "tenant_admin": "You administer this council's users, terms of reference and audit log.",
    "panel_administrator": "You keep the panel's bookings, agendas, papers, minutes and tracker.",
    "chair": "You chair the panel: agendas, decisions, minutes and escalation of drift.",
    "vice_chair": "You deputise for the chair.",
    "panel_member": "You sit on the panel and read the papers of the children on its agendas.",
    "iro": "You review the children allocated to you and challenge drift.",
    "team_manager": "You quality-assure your team's referrals and are accountable for their actions.",
    "social_worker": "You refer your children to the panel, present them and carry their actions.",
    "senior_manager": "You see reports across the service and receive escalations.",
}


def home_sections(membership) -> list[dict]:
    """Sections of the home page, in order, for the member's roles."""
    roles = membership.roles
    sections = [{"kind": "roles", "items": [(ROLES[r], ROLE_PURPOSE[r]) for r in sorted(roles)]}]
    from ..accounts.roles import permissions_for

    granted = permissions_for(roles)
    if "children.view" in granted:
        stmt = visible(select(Child), Child).order_by(Child.last_name, Child.first_name)
        total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        children = list(db.session.execute(children_for_listing(stmt).limit(10)).scalars())
        sections.append({"kind": "children", "total": total, "children": children})
    if "reports.view" in granted:
        by_team = db.session.execute(
            select(func.coalesce(Child.team_id, 0), func.count()).group_by(Child.team_id)
        ).all()
        from ..accounts.models import Team

        names = {t.id: t.name for t in db.session.execute(select(Team)).scalars()}
        sections.append({
            "kind": "figures",
            "rows": sorted((names.get(team_id, "No team"), count) for team_id, count in by_team),
            "total": sum(count for _, count in by_team),
        })
    if "tor.propose" in granted:
        from ..tor.services import review_section

        sections.append(review_section(membership.tenant_id))
    if "users.manage" in granted or "audit.view" in granted:
        sections.append({"kind": "admin"})
    return sections
