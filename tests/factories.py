"""Factories: each creates committed rows and returns them loaded and detached."""

from __future__ import annotations

import time
from datetime import date, time as clock

import pytest
from argon2 import PasswordHasher

from permanence.accounts.models import ApiToken, GrantStatus, Membership, RoleAssignment, RoleGrant, Team, User
from permanence.cases.models import (Adoption, AdoptionPlacementDecision, CareOutcomes, CarePeriod, CareProceedings,
                                      Child, ChildFlag, ChildSheetNote, KeyDate, LegalStatus, MissingEpisode, PermanencePlan,
                                      Placement, PreProceedings, PreviousPermanence, Review, SiblingGroup,
                                      UnaccompaniedStatus)
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.agenda.models import PapersPack
from permanence.documents.models import ConvertedPaper, Document, DocumentVersion
from permanence.imports.models import ImportKind, ImportRun, ImportStatus, pack
from permanence.extensions import db
from permanence.notifications.models import EmailMessage, NotificationPreference
from permanence.meetings.models import AgreedDate
from permanence.panels.models import (Action, AgendaItem, Attendance, Declaration, DecisionReview, ItemStatus, Meeting,
                                      Minutes, PanelMember, Ruling, TrackingSlot, UrgentDecision)
from permanence.reports.models import BuiltReport
from permanence.deliveries.models import DecisionDelivery
from permanence.tenancy.models import Tenant, TenantStatus
from permanence.tor.versions import TorVersion
from permanence.tracker.models import CohortMember, Drift, DriftAcknowledgement, Escalation, Milestone, TrackerLine

TOR_TEXT = "format_version: 1\n"  # a stand-in row for isolation tests; never parsed
PASSWORD = "correct horse battery staple"
_HASH = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash(PASSWORD)  # as the app's


def _detached(*objs):
    for obj in objs:
        db.session.refresh(obj)
    db.session.expunge_all()
    return objs[0] if len(objs) == 1 else objs


@pytest.fixture
def make_tenant(app):
    counter = iter(range(1, 10_000))

    def make(slug=None, name=None, status=TenantStatus.ACTIVE):
        n = next(counter)
        with app.app_context():
            tenant = Tenant(slug=slug or f"council-{n}", name=name or f"Test Council {n}", status=status)
            db.session.add(tenant)
            commit()
            return _detached(tenant)

    return make


@pytest.fixture
def tenant_a(make_tenant):
    return make_tenant("council-a", "Council A")


@pytest.fixture
def tenant_b(make_tenant):
    return make_tenant("council-b", "Council B")


@pytest.fixture
def make_team(app):
    def make(tenant, name="Children in Care 1"):
        with app.app_context(), tenant_context(tenant.id):
            team = db.session.query(Team).filter_by(name=name).one_or_none() or Team(name=name)
            db.session.add(team)
            commit()
            return _detached(team)

    return make


@pytest.fixture
def make_user(app):
    """``make_user(tenant, roles, team=None, email=None, platform_admin=False)``; password PASSWORD."""
    counter = iter(range(1, 10_000))

    def make(tenant=None, roles=("social_worker",), *, team=None, email=None, name=None, platform_admin=False,
             active=True):
        n = next(counter)
        with app.app_context():
            user = User(email=email or f"user{n}@example.org", name=name or f"Test User {n}",
                        password_hash=_HASH, is_platform_admin=platform_admin, active=active)
            db.session.add(user)
            db.session.flush()
            if tenant is not None and roles:
                with tenant_context(tenant.id):
                    membership = Membership(user_id=user.id, team_id=team.id if team else None)
                    db.session.add(membership)
                    db.session.flush()
                    membership.set_roles(roles)
                    commit()
            else:
                commit()
            return _detached(user)

    return make


@pytest.fixture
def make_child(app):
    counter = iter(range(1, 100_000))

    def make(tenant, **fields):
        n = next(counter)
        with app.app_context(), tenant_context(tenant.id):
            values = {"case_number": f"TEST-{n:05d}", "first_name": "Fictional", "last_name": f"Child{n}",
                      "date_of_birth": date(2020, 1, 1)}
            for key in ("team", "social_worker", "team_manager", "iro"):
                if key in fields:
                    obj = fields.pop(key)
                    values[f"{key}_id"] = obj.id if obj is not None else None
            values.update(fields)
            child = Child(**values)
            db.session.add(child)
            commit()
            return _detached(child)

    return make


def _session_id(app, user) -> str:
    """What the session carries for ``user`` now (``User.get_id``: the id and the session version)."""
    with app.app_context():
        return db.session.get(User, user.id).get_id()


@pytest.fixture
def login(client):
    """``login(user)`` signs ``user`` in on the test client without the form (fast)."""

    def sign_in(user):
        with client.session_transaction() as session:
            session["_user_id"] = _session_id(client.application, user)
            session["_fresh"] = True
            session["seen"] = time.time()
        return client

    return sign_in


@pytest.fixture
def make_token(app):
    def make(tenant, user, name="script"):
        from permanence.accounts.services import create_api_token

        with app.app_context(), tenant_context(tenant.id):
            token, secret = create_api_token(db.session.get(User, user.id), name)
            commit()
            return _detached(token), secret

    return make


@pytest.fixture
def one_of_everything(app, make_team, make_user, make_child, make_token):
    """One row of every tenant-owned model in ``tenant`` (for the isolation tests): a dict of
    model class -> instance. A new tenant-owned model must be added here, or
    ``test_every_tenant_model_has_a_factory`` fails."""

    def make(tenant):
        team = make_team(tenant)
        user = make_user(tenant, ["social_worker"], team=team)
        child = make_child(tenant, team=team, social_worker=user)
        token, _ = make_token(tenant, user)
        with app.app_context(), tenant_context(tenant.id):
            group = SiblingGroup(name="Fictional siblings")
            message = EmailMessage(to_address="someone@example.org", subject="Test", body="Test")
            version = TorVersion(number=1, source_text=TOR_TEXT, checksum="0" * 64, loaded_by="cli")
            day = date(2024, 1, 1)
            history = [
                CarePeriod(child_id=child.id, start=day, category_of_need="N1"),
                LegalStatus(child_id=child.id, code="C1", start=day),
                Placement(child_id=child.id, place="U6", provider="PR1", start=day),
                Review(child_id=child.id, held_on=date(2024, 1, 20), participation="PN0"),
                CareProceedings(child_id=child.id, issued_on=day, court_reference="FICT-0001"),
                PreProceedings(child_id=child.id, decision_on=date(2023, 11, 1)),
                PermanencePlan(child_id=child.id, route="adoption", kind="primary", agreed_on=day, agreed_at="review"),
                ChildFlag(child_id=child.id, flag="unaccompanied", start=day),
                KeyDate(child_id=child.id, event="adm_decision", happened_on=day),
                ChildSheetNote(child_id=child.id, heading="Notes", text="Fictional note", file="tracker.csv",
                               imported_on=day),
                AdoptionPlacementDecision(child_id=child.id, start=day, origin="ssda903"),
                Adoption(child_id=child.id, decided_on=day, matched_on=date(2024, 3, 1), by_foster_carer=False,
                         number_of_adopters=2, adopter_sex="MF", adopter_status="L11", origin="ssda903"),
                PreviousPermanence(child_id=child.id, arrangement="P2", when="zz/zz/2020", origin="ssda903"),
                MissingEpisode(child_id=child.id, kind="M", start=day, end=date(2024, 1, 2), origin="ssda903"),
                UnaccompaniedStatus(child_id=child.id, ceased_on=date(2024, 2, 1), origin="ssda903"),
                CareOutcomes(child_id=child.id, year="2023-24", sdq_score=12, origin="ssda903"),
            ]
            # In the past, so lists of upcoming meetings never parse the stand-in version.
            meeting = Meeting(body_id="panel", tor_version=version, sitting_date=date(2024, 1, 3), date=date(2024, 1, 3))
            paper = Document(subject_type="child", subject_id=child.id, paperwork_id="care-plan", slot="care-plan",
                             title="Care plan", current_version=1)
            paper_version = DocumentVersion(document=paper, number=1, filename="care-plan.txt", media_type="text/plain",
                                            size=9, sha256="0" * 64, content=b"Care plan")
            blob, names = pack({"spreadsheet": ("tracker.csv", f"Case number\n{child.case_number}\n".encode())})
            import_run = ImportRun(kind=ImportKind.TRACKER, status=ImportStatus.DONE, uploads=blob, file_names=names,
                                   errors=[{"file": "tracker.csv", "row": 2, "column": "A (Case number)",
                                            "reason": f"case number {child.case_number} is also on row 3"}],
                                   result={"written": False, "created": 0, "updated": 0, "skipped": []})
            milestone = Milestone(child_id=child.id, rule_id="first-review", label="First looked-after review",
                                  rule_origin="statutory", rule_source="CPPCR 2010 reg 33(1)", due=date(2024, 1, 29),
                                  status="overdue")
            cohort = CohortMember(child_id=child.id, body_id="panel")
            drift = Drift(child_id=child.id, milestone=milestone, rule_id="first-review", label=milestone.label,
                          due=milestone.due, opened_on=date(2024, 1, 30), ladder_id="ladder", level=1,
                          escalated_to="team-manager")
            escalation = Escalation(drift=drift, level=1, role="team-manager", role_label="Team manager",
                                    escalated_on=date(2024, 2, 6), by_label="system", reason="Overdue")
            acknowledgement = DriftAcknowledgement(drift=drift, acknowledged_on=date(2024, 2, 7), by_label="Test",
                                                   decision="action_agreed", note="Review booked")
            # the child's tracker line may already be there, from the recompute its creation queued
            line = db.session.query(TrackerLine).filter_by(child_id=child.id).first() or TrackerLine(
                child_id=child.id, legal_status="C2",
                next_due=date(2024, 1, 29), open_drift=1)
            tracker_rows = [milestone, cohort, drift, escalation, acknowledgement, line]
            seat = PanelMember(body_id="panel", user_id=user.id, role="panel_member", title="Panel member")
            item = AgendaItem(meeting=meeting, part_id="part", child_id=child.id, status=ItemStatus.BOOKED,
                              answers={"reason": "Fictional"})
            attendance = Attendance(meeting=meeting, user_id=user.id, role="panel_member")
            declaration = Declaration(meeting=meeting, agenda_item=item, user_id=user.id, interest="Knows the carer",
                                      ruling=Ruling.LEAVE)
            action = Action(agenda_item=item, child_id=child.id, description="Book the medical", owner_id=user.id,
                            due_on=date(2024, 2, 1))
            minutes = Minutes(meeting=meeting, text="Fictional minutes")
            slot = TrackingSlot(team_id=team.id, body_id="pptm", weekday=1, starts=clock(10), ends=clock(12),
                                minutes_each=30, agreed_by_id=user.id)
            agreed = AgreedDate(agenda_item=item, child_id=child.id, body_id="panel", date_id="matching-report",
                                label="Matching report", met_by="last_panel", due=date(2024, 3, 1), agreed_on=day)
            urgent = UrgentDecision(body_id="panel", tor_version=version, child_id=child.id, role_id="head-of-service",
                                    outcome_id="agreed", decision="Fictional", decided_on=day)
            review = DecisionReview(body_id="panel", urgent_decision=urgent, child_id=child.id, asked_as="social-worker",
                                    asked_on=day, deadline=date(2024, 1, 15), reasons="Fictional")
            built = BuiltReport(duty_id="quarterly", label="Quarterly report", body_id="panel", body_name="Panel",
                                period_start=date(2024, 1, 1), period_end=date(2024, 3, 31),
                                period_label="Quarter 4 2023-24", pdf=b"%PDF-1.7 fictional", csv="Figure,Value\r\n")
            preference = NotificationPreference(user_id=user.id, kind="decisions", mode="digest")
            papers_pack = PapersPack(meeting=meeting, user_id=user.id, fingerprint="0" * 64, sha256="0" * 64, pages=1,
                                     size=18, pdf=b"%PDF-1.7 fictional")
            converted = ConvertedPaper(sha256="1" * 64, pdf=b"%PDF-1.7 fictional")
            delivery = DecisionDelivery(agenda_item=item, destination="case_record_folder", trigger="minutes_approved",
                                        idempotency_key=f"{tenant.slug}-decision-0-case-record-folder-1")
            meeting_rows = [seat, item, attendance, declaration, action, minutes, slot, agreed, urgent, review, built,
                            preference, papers_pack, converted, delivery]
            db.session.add_all([group, message, version, meeting, paper, paper_version, import_run, *history,
                                *tracker_rows, *meeting_rows])
            commit()
            membership = db.session.query(Membership).filter_by(user_id=user.id).one()
            role = membership.role_assignments[0]
            grant = RoleGrant(membership_id=membership.id, roles=["chair"], status=GrantStatus.PENDING,
                              requested_by_label="the command line")
            db.session.add(grant)
            commit()
            rows = {Team: team, Child: child, ApiToken: token, SiblingGroup: group, EmailMessage: message,
                    Membership: membership, RoleAssignment: role, TorVersion: version, Meeting: meeting,
                    Document: paper, DocumentVersion: paper_version, ImportRun: import_run, RoleGrant: grant}
            rows.update({type(row): row for row in (*history, *tracker_rows, *meeting_rows)})
            for row in (group, version, message, meeting, paper, paper_version, import_run, grant, membership, role,
                        *history, *tracker_rows, *meeting_rows):
                db.session.refresh(row)
            db.session.expunge_all()
        from permanence.audit.models import AuditEvent

        with app.app_context(), tenant_context(tenant.id):
            event = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
            db.session.expunge_all()
        rows[AuditEvent] = event
        return rows

    return make
