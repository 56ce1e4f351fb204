"""Imports every feature's models so the metadata (and Alembic) sees the whole schema."""

from .accounts.models import ApiToken, Membership, RoleAssignment, RoleGrant, Team, User  # noqa: F401
from .agenda.models import PapersPack  # noqa: F401
from .audit.models import AuditEvent  # noqa: F401
from .core.jobs import OutboxJob  # noqa: F401
from .core.schedule import ScheduledRun  # noqa: F401
from .cases.models import (CarePeriod, CareProceedings, Child, ChildFlag, LegalStatus, PermanencePlan,  # noqa: F401
                           Placement, PreProceedings, Review, SiblingGroup)
from .documents.models import ConvertedPaper, Document, DocumentVersion  # noqa: F401
from .deliveries.models import DecisionDelivery  # noqa: F401
from .imports.models import ImportRun  # noqa: F401
from .panels.models import DecisionReview, Meeting, UrgentDecision  # noqa: F401
from .reports.models import BuiltReport  # noqa: F401
from .meetings.models import AgreedDate  # noqa: F401
from .notifications.models import EmailMessage, NotificationPreference  # noqa: F401
from .tenancy.models import Tenant  # noqa: F401
from .tor.versions import TorVersion  # noqa: F401
from .tracker.models import CohortMember, Drift, DriftAcknowledgement, Escalation, Milestone, TrackerLine  # noqa: F401
