"""Access roles and the one role -> permission table.

A council's terms of reference name many positions (Agency Decision Maker, Virtual
School Head, ...); each maps to one of these access roles, which decide what the
person may do here.
"""

from __future__ import annotations

ROLES: dict[str, str] = {
    "tenant_admin": "Tenant administrator",
    "panel_administrator": "Panel administrator",
    "chair": "Chair",
    "vice_chair": "Vice-chair",
    "panel_member": "Panel member",
    "iro": "Independent reviewing officer",
    "team_manager": "Team manager",
    "social_worker": "Social worker",
    "senior_manager": "Senior manager",
}

# The terms of reference's ``meeting_days`` may name only roles whose access role holds this.
ARRANGE_TRACKING = "tracking.arrange"
# Adding a sitting is scheduling; a panel's ``cadence.extra_sittings_by`` narrows who, per panel (a
# rule registered with ``permissions.register_named_rule``), and may name only roles holding this.
ADD_SITTINGS = "panels.manage"

# The terms of reference's ``convened_by`` may name only roles whose access role holds this; who
# actually convenes for which child is the ToR's roles and the object rules (``panels.policies``).
CONVENE_TRACKING = "tracking.convene"

# A body's ``decisions_between_sittings.by`` and ``decision_review.decided_by`` may name only roles whose
# access role holds DECIDE; its ``decision_review.who_may_ask`` only roles whose access role holds ASK_REVIEW.
DECIDE = "decisions.decide"
ASK_REVIEW = "decisions.ask_review"

PERMISSIONS: dict[str, str] = {
    "home.view": "See the council's home page",
    "children.view": "Read a child's record (object rules apply)",
    "children.edit": "Change a child's record",
    "children.import": "Import children from SSDA903 extracts or a tracker spreadsheet",
    "papers.view": "Open the papers of records one may see (object rules apply)",
    "papers.upload": "Upload papers to records one may see",
    "tracker.view": "See the permanence tracker",
    "tracker.export": "Export the tracker as a spreadsheet",
    "panels.view": "See panels, sittings and agendas",
    "panels.manage": "Schedule sittings and build agendas",
    "referrals.create": "Refer a child to a panel",
    "referrals.quality_assure": "Quality-assure and submit a referral",
    "requests.create": "Ask a panel to decide a request (funding, resources), where its terms of reference allow",
    "tracking.arrange": "Agree the days and times of a team's tracking meetings, and move one (object rules apply)",
    "tracking.convene": "Convene a meeting for one child when needed, where the terms of reference name one's "
                        "role (object rules apply)",
    "meetings.record": "Record attendance, declarations, discussion and decisions",
    "meetings.sign_off": "Agree or disagree with a panel recommendation as its named decision maker",
    "decisions.decide": "Decide for a child between sittings, or decide a review of a decision, where the terms of "
                        "reference name one's role (object rules apply)",
    "decisions.ask_review": "Ask for a decision to be reviewed where the terms of reference let one's role for the "
                            "child (object rules apply)",
    "minutes.edit": "Edit minutes",
    "minutes.approve": "Approve minutes",
    "minutes.oversee": "See the council's list of minutes and which are overdue",
    "deliveries.manage": "See the delivery of decision records to the case record system, and send one again",
    "actions.view": "See actions",
    "actions.update": "Update actions",
    "actions.oversee": "See the council's list of actions (object rules apply)",
    "escalations.manage": "Acknowledge and escalate drift",
    "reports.view": "See aggregate reports",
    "reports.across_councils": "See the measures of the councils that share them side by side (figures only)",
    "reports.export": "Download the council's data for its own analysts",
    "tor.view": "Read the terms of reference",
    "tor.propose": "Propose a new version of the terms of reference",
    "users.manage": "Manage the council's users and roles",
    "audit.view": "Read and export the audit log",
    "api_tokens.manage": "Create and revoke one's own API tokens",
}

# Practice roles read papers only through the platform (download audited), never as attachments.
_PRACTICE = {"home.view", "children.view", "papers.view", "tracker.view", "panels.view", "actions.view",
             "actions.update", "tor.view", "api_tokens.manage", ASK_REVIEW}
# Seeing the whole service's actions and minutes, without changing them: the panel's officers and senior managers.
_OVERSIGHT = {"actions.oversee", "minutes.oversee"}
# A chair quality-assures a referral only where the ToR names the chair for it (for instance when the
# child's team has no team manager: ``referral.quality_assurance_fallback``).
_CHAIRING = _PRACTICE | _OVERSIGHT | {"tracker.export", "panels.manage", "meetings.record", "meetings.sign_off",
                                     "minutes.edit", "minutes.approve", "escalations.manage", "reports.view",
                                     "referrals.quality_assure", DECIDE}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "tenant_admin": frozenset({"home.view", "users.manage", "audit.view", "tor.view", "tor.propose",
                               "reports.view", "api_tokens.manage"}),
    "panel_administrator": frozenset(_PRACTICE | _OVERSIGHT | {"children.edit", "children.import", "papers.upload",
                                                  "tracker.export", "panels.manage", "referrals.create",
                                                  "requests.create", "meetings.record", "minutes.edit", "reports.view",
                                                  "reports.export", "deliveries.manage",
                                                  ARRANGE_TRACKING, CONVENE_TRACKING}),
    "chair": frozenset(_CHAIRING | {CONVENE_TRACKING}),
    "vice_chair": frozenset(_CHAIRING | {CONVENE_TRACKING}),
    # A member may refer where the council's ToR lets panel members refer (who_may_refer decides).
    "panel_member": frozenset((_PRACTICE - {"tracker.view"}) | {"referrals.create", "requests.create"}),
    # Caseworkers export their own children's rows of the tracker (the object rules decide which).
    "iro": frozenset(_PRACTICE | {"tracker.export", "escalations.manage", CONVENE_TRACKING}),
    "team_manager": frozenset(_PRACTICE | {"children.edit", "papers.upload", "tracker.export", "referrals.create",
                                           "requests.create",
                                           "referrals.quality_assure", "escalations.manage", "reports.view",
                                           "meetings.sign_off", ARRANGE_TRACKING, CONVENE_TRACKING, DECIDE}),
    "social_worker": frozenset(_PRACTICE | {"children.edit", "papers.upload", "tracker.export", "referrals.create",
                                            "requests.create", CONVENE_TRACKING}),
    # Read-only oversight of the whole service: every child's record and milestones, the tracker, meetings
    # (sittings, agendas, records, minutes, decision records), drift and actions; nothing they can change
    # there. They are the top of the escalation ladders, so they acknowledge and escalate drift, and they
    # agree or disagree as a named decision maker. No papers: oversight needs the record of what was
    # decided and when, not the social work reports and assessments (need to know). Where the ToR names
    # their role in a body's ``convened_by`` (a disruption meeting convened by the service manager), they
    # convene it. With panel administrators, they download the council's data for its own analysts
    # (``reports.export``: children by case number, so it reads children).
    "senior_manager": frozenset({"home.view", "children.view", "tracker.view", "panels.view", "actions.view",
                                 "reports.view", "reports.across_councils", "reports.export", "tor.view",
                                 "escalations.manage", "meetings.sign_off", CONVENE_TRACKING, DECIDE, ASK_REVIEW} | _OVERSIGHT),
}

# Roles that see every child of their council (read or change, as their permissions allow); the others
# see children through object rules.
SEES_ALL_CHILDREN = frozenset({"panel_administrator", "chair", "vice_chair", "senior_manager"})


# Separation of duties. Every permission shows a named child (their record, papers, the tracker's rows,
# agendas, actions, minutes) except these, so a new permission counts as reading children until it is
# added here. ``audit.view`` is here because the first administrator needs it to see who did what.
SHOWS_NO_CHILD = frozenset({"home.view", "users.manage", "audit.view", "tor.view", "tor.propose", "reports.view",
                            "reports.across_councils", "api_tokens.manage"})
READS_CHILDREN = frozenset(PERMISSIONS) - SHOWS_NO_CHILD
CHILD_READING_ROLES = frozenset(role for role, granted in ROLE_PERMISSIONS.items() if granted & READS_CHILDREN)
# Who manages the council's people and confirms another administrator's grants.
ADMINISTRATOR_ROLES = frozenset(role for role, granted in ROLE_PERMISSIONS.items() if "users.manage" in granted)
# Roles that open children's records, or the power to confirm them for others (else one administrator
# could make a second account to confirm their own requests). Granting one takes a second
# administrator (``accounts.grants``); a platform administrator may hold none.
GUARDED_ROLES = CHILD_READING_ROLES | ADMINISTRATOR_ROLES


def guarded(roles) -> list[str]:
    """The roles of ``roles`` that take two administrators to grant, sorted."""
    return sorted(set(roles) & GUARDED_ROLES)


def permissions_for(roles) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)
