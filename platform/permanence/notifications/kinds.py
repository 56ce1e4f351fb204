"""The kinds of notice a person is e-mailed, each with a label a council officer recognises.

Every ``queue_email`` names its kind. A person chooses, for each kind a digest may carry, whether
its notices come straight away or in one e-mail a day (``preferences``); the kinds marked
``always_immediate`` (statutory notices, drift and escalation, account and access) are never held
back, whatever anyone chooses, and neither is a calendar invitation (a digest cannot carry one).
A fixed list, so the preferences page and the digest group the same way in every council.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    id: str
    label: str
    hint: str
    always_immediate: bool = False
    choosable: bool = True  # shown on the preferences page (the digest itself is not)


AGENDA = "agenda"
REMINDERS = "reminders"
ACTIONS = "actions"
REFERRALS = "referrals"
DECISIONS = "decisions"
REPORTS = "reports"
ESCALATION = "escalation"
STATUTORY = "statutory"
ACCOUNT = "account"
DIGEST = "digest"

KINDS: dict[str, Kind] = {k.id: k for k in (
    Kind(AGENDA, "Agenda published and invitations",
         "Agendas, your presenting slots, sittings moved or cancelled, tracking meetings booked."),
    Kind(REMINDERS, "Reminders of papers and deadlines",
         "Referral deadlines coming up, papers missing, minutes due."),
    Kind(ACTIONS, "Actions assigned and due", "Actions of yours coming due."),
    Kind(REFERRALS, "Referrals and quality assurance",
         "Referrals to quality-assure, and what happened to referrals you made."),
    Kind(DECISIONS, "Minutes and decisions",
         "Approved minutes, decision records, sign-offs and reviews of decisions."),
    Kind(REPORTS, "Reports and reviews of the terms of reference",
         "Reports built for a reporting duty; the terms of reference due for review."),
    Kind(ESCALATION, "Drift and escalation", "Drift on a child's plan escalated to you, and items a panel "
         "escalated.", always_immediate=True),
    Kind(STATUTORY, "Statutory notices", "Notices the law says must go without delay.", always_immediate=True),
    Kind(ACCOUNT, "Account and access", "Invitations, password links and changes to roles.",
         always_immediate=True),
    Kind(DIGEST, "Your daily digest", "The daily e-mail itself.", always_immediate=True, choosable=False),
)}

IMMEDIATE = "immediate"
DIGEST_MODE = "digest"
MODES = {IMMEDIATE: "Straight away, one e-mail each", DIGEST_MODE: "In one e-mail a day, the daily digest"}


def kind(kind_id: str) -> Kind:
    """The kind ``kind_id`` names; a name not in the list is a programming error."""
    try:
        return KINDS[kind_id]
    except KeyError:
        raise ValueError(f"unknown kind of notice {kind_id!r}; the kinds are {', '.join(KINDS)}") from None


def choosable() -> list[Kind]:
    """Every kind shown on the preferences page, in the list's order (the fixed ones too, unchangeable)."""
    return [k for k in KINDS.values() if k.choosable]
