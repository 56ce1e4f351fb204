"""Terms of reference: a council's rules for its permanence panels, as validated configuration.

A council's terms of reference live in ``tenants/<slug>/tor.yaml``. This
package loads and checks that file (:func:`load_tor`), and answers the
questions the platform asks of it: which children an agenda part considers
(:mod:`.rules`), when a panel sits and when papers are due (:mod:`.schedule`),
and which timescales a child is meeting or missing (:mod:`.timescales`).
It is pure Python: no Flask, no database.
"""

from ..core.workdays import Offset
from .loader import ConfigError, TorConfigError, load_tor, load_tor_from_text, validate_tor
from .model import (AgendaPart, Body, Cadence, Council, DeadlineRule, Membership, OutcomeOption, Seat, TermsOfReference,
                    role_label)
from .rules import evaluate, explain, parse_rule
from .schedule import Deadline, Sitting, deadlines, next_tracking_meeting_due, sitting_on, sittings
from .timescales import (EscalationLadder, EscalationStep, Milestone, STATUTORY_TIMESCALES, TimescaleRule,
                         compute_milestones, escalation_steps_reached)
from .vocabulary import CORE_ROLES, EVENTS, FACTS

__all__ = [
    "AgendaPart", "Body", "CORE_ROLES", "Cadence", "ConfigError", "Council", "Deadline", "DeadlineRule", "EVENTS",
    "EscalationLadder", "EscalationStep", "FACTS", "Membership", "Milestone", "Offset", "OutcomeOption",
    "STATUTORY_TIMESCALES", "Seat", "Sitting", "TermsOfReference", "TimescaleRule", "TorConfigError",
    "compute_milestones", "deadlines", "escalation_steps_reached", "evaluate", "explain", "load_tor",
    "load_tor_from_text", "next_tracking_meeting_due", "parse_rule", "role_label", "sitting_on", "sittings", "validate_tor",
]
