"""Notices people can live with (issue 18, item 4): each person chooses, per kind of notice, an
e-mail straight away or one daily digest; statutory, escalation and account notices and calendar
invitations always go straight away; "Your notices" lists their own recent notices and where each
got to. Each test checks what the person would see: the page, the e-mails that leave, and when."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select

from text_support import plain
from permanence.accounts.models import Membership
from permanence.core import schedule
from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.notifications import kinds
from permanence.notifications.models import EmailMessage, EmailStatus, NotificationPreference
from permanence.notifications.services import link_to, queue_email
from tracker_support import load_seed

DAY_1 = datetime(2026, 12, 7, 10, 0, tzinfo=LONDON)  # a Monday
DIGEST_DAY_2 = datetime(2026, 12, 8, 7, 30, tzinfo=LONDON)
DIGEST_DAY_3 = datetime(2026, 12, 9, 7, 30, tzinfo=LONDON)
INVITE = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def choose(client, tenant, **choices):
    """Post the preferences form as a person would: every kind on it, straight away unless named."""
    data = {k.id: "immediate" for k in kinds.choosable() if not k.always_immediate}
    data.update(choices)
    return client.post(f"/{tenant.slug}/account/notices", data=data)


def send(in_tenant, tenant, to, subject, kind, body=None, **extra):
    with in_tenant(tenant):
        queue_email(to, subject, body or f"Dear you,\n\n{subject} in full.\n\nThe panel\n", kind=kind, **extra)


def mail(app):
    """Every e-mail of every council: (council id, to, subject, status, body), oldest first."""
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(select(EmailMessage.tenant_id, EmailMessage.to_address, EmailMessage.subject,
                                   EmailMessage.status, EmailMessage.body).order_by(EmailMessage.id)).all()
    return [(r[0], r[1], r[2], EmailStatus(r[3]), r[4]) for r in rows]


def sent(app, to=None):
    """What left the platform, by itself: (to, subject)."""
    return [(m[1], m[2]) for m in mail(app) if m[3] == EmailStatus.SENT and (to is None or m[1] == to)]


def digests(app, to=None):
    return [m for m in mail(app) if m[2].startswith("Your daily digest") and (to is None or m[1] == to)]


def run_digests(app, work_jobs):
    with app.app_context():
        schedule.run_now("send-daily-digests")
        commit()
    work_jobs()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", plain(html)))


def test_the_preferences_page_shows_every_kind_and_saves_the_persons_own_choices(app, client, login, tenant_a,
                                                                                 make_user):
    ana = make_user(tenant_a, ["social_worker"], email="ana@a.example.org")
    bo = make_user(tenant_a, ["social_worker"], email="bo@a.example.org")
    login(ana)
    page = client.get(f"/{tenant_a.slug}/account/notices")
    assert page.status_code == 200
    shown = text(page.get_data(as_text=True))
    for label in ("Agenda published and invitations", "Reminders of papers and deadlines", "Actions assigned and due",
                  "Referrals and quality assurance", "Minutes and decisions"):
        assert label in shown
    always = text(page.get_data(as_text=True).split('id="always-immediate"')[1])
    assert "Statutory notices" in always and "Drift and escalation" in always and "Account and access" in always
    assert 'name="statutory"' not in page.get_data(as_text=True)  # shown, not changeable
    assert "Calendar invitations" in shown and "always come straight away" in shown

    saved = choose(client, tenant_a, referrals="digest", decisions="digest")
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"])
    assert "Your choices are saved." in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert re.search(r'id="referrals-digest"[^>]*checked', html)
    assert re.search(r'id="decisions-digest"[^>]*checked', html)
    assert re.search(r'id="agenda-immediate"[^>]*checked', html)
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(select(NotificationPreference.user_id, NotificationPreference.kind,
                                   NotificationPreference.mode).order_by(NotificationPreference.kind)).all()
    assert [tuple(r) for r in rows] == [(ana.id, "decisions", "digest"), (ana.id, "referrals", "digest")]
    assert bo.id not in {r[0] for r in rows}  # nobody else's choices were touched

    # Back to straight away for one kind.
    choose(client, tenant_a, decisions="digest")
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(select(NotificationPreference.kind, NotificationPreference.mode)).all()
    assert sorted(tuple(r) for r in rows) == [("decisions", "digest"), ("referrals", "immediate")]


def test_bad_choices_get_a_clear_error_and_change_nothing(app, client, login, tenant_a, make_user):
    login(make_user(tenant_a, ["social_worker"]))
    for choices, message in [
        ({"referrals": "weekly"}, "Choose straight away or the daily digest for referrals and quality assurance."),
        ({"statutory": "digest"}, "Notices of 'Statutory notices' are always sent straight away"),
        ({"escalation": "digest"}, "Notices of 'Drift and escalation' are always sent straight away"),
        ({"account": "digest"}, "Notices of 'Account and access' are always sent straight away"),
        ({"gossip": "digest"}, "There is no kind of notice called 'gossip'"),
        ({"digest": "digest"}, "There is no kind of notice called 'digest'"),
    ]:
        page = choose(client, tenant_a, **choices)
        assert page.status_code == 400, choices
        html = page.get_data(as_text=True)
        assert "There is a problem" in html and message in html.replace("&#39;", "'"), (choices, text(html))
    missing = client.post(f"/{tenant_a.slug}/account/notices", data={"referrals": "digest"})
    assert missing.status_code == 400 and "for agenda published and invitations" in missing.get_data(as_text=True)
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(select(NotificationPreference.id)).all() == []


def test_a_notice_of_a_digest_kind_waits_and_the_others_go_straight_away(app, client, login, tenant_a, make_user,
                                                                        in_tenant, travel, work_jobs):
    travel(DAY_1)
    ana = make_user(tenant_a, ["social_worker"], email="ana@a.example.org")
    login(ana)
    assert choose(client, tenant_a, referrals="digest", agenda="digest", decisions="digest").status_code == 302
    # Even a choice of digest stored for an always-immediate kind (not possible on the page) holds nothing back.
    with in_tenant(tenant_a) as session:
        session.add_all([NotificationPreference(user_id=ana.id, kind=k, mode="digest")
                         for k in (kinds.STATUTORY, kinds.ESCALATION, kinds.ACCOUNT)])

    send(in_tenant, tenant_a, "ana@a.example.org", "Referral 12: quality assurance needed", kinds.REFERRALS)
    send(in_tenant, tenant_a, "Ana@A.example.org", "Panel: minutes of 1 December", kinds.DECISIONS)  # any case
    send(in_tenant, tenant_a, "ana@a.example.org", "Drift escalated to you", kinds.ESCALATION)
    send(in_tenant, tenant_a, "ana@a.example.org", "Statutory notice of a decision", kinds.STATUTORY)
    send(in_tenant, tenant_a, "ana@a.example.org", "Your roles are confirmed", kinds.ACCOUNT)
    send(in_tenant, tenant_a, "ana@a.example.org", "Panel: agenda for 9 December", kinds.AGENDA, calendar=INVITE)
    send(in_tenant, tenant_a, "ana@a.example.org", "Panel: you are not required on 9 December", kinds.AGENDA)
    work_jobs()

    assert sorted(s for _, s in sent(app)) == ["Drift escalated to you", "Panel: agenda for 9 December",
                                               "Statutory notice of a decision", "Your roles are confirmed"]
    page = client.get(f"/{tenant_a.slug}/notices")
    assert page.status_code == 200
    rows = {li.split("</summary>")[0].split(">")[-2].split("<")[0]: text(li)
            for li in page.get_data(as_text=True).split("<li")[1:] if "govuk-details__summary-text" in li}
    assert "Waiting for your daily digest" in rows["Referral 12: quality assurance needed"]
    assert "Waiting for your daily digest" in rows["Panel: minutes of 1 December"]
    assert "Waiting for your daily digest" in rows["Panel: you are not required on 9 December"]
    assert "Sent on 7 December 2026" in rows["Drift escalated to you"]
    assert "Sent on 7 December 2026" in rows["Panel: agenda for 9 December"]  # an invitation never waits
    assert "Referral 12: quality assurance needed in full." in rows["Referral 12: quality assurance needed"]
    assert "Referrals and quality assurance, 7 December 2026 at 10:00" in rows["Referral 12: quality assurance needed"]
    assert "3 are waiting for your daily digest" in text(page.get_data(as_text=True))


def test_the_daily_digest_carries_each_persons_waiting_notices_once(app, client, login, tenant_a, tenant_b,
                                                                   make_user, in_tenant, travel, work_jobs):
    travel(DAY_1)
    ana = make_user(tenant_a, ["social_worker"], email="ana@a.example.org")
    with app.app_context(), tenant_context(tenant_b.id):  # Ana works for council B too
        membership = Membership(user_id=ana.id)
        db.session.add(membership)
        db.session.flush()
        membership.set_roles(["social_worker"])
        commit()
    bo = make_user(tenant_a, ["team_manager"], email="bo@a.example.org")
    cy = make_user(tenant_a, ["social_worker"], email="cy@a.example.org")  # chooses the digest, gets nothing
    for person, choices in ((ana, {"referrals": "digest", "decisions": "digest"}), (bo, {"referrals": "digest"}),
                            (cy, {"referrals": "digest"})):
        login(person)
        assert choose(client, tenant_a, **choices).status_code == 302
    login(ana)
    assert choose(client, tenant_b, referrals="digest").status_code == 302

    referral = link_to("web.notices", tenant_a.id)
    send(in_tenant, tenant_a, "ana@a.example.org", "Referral 12: quality assurance needed", kinds.REFERRALS,
         body=f"Dear Ana,\n\nPlease quality-assure referral 12.\nIt is due on Friday.\n\n{referral}\n")
    send(in_tenant, tenant_a, "ana@a.example.org", "Referral 14: booked", kinds.REFERRALS)
    send(in_tenant, tenant_a, "ana@a.example.org", "Panel: minutes of 1 December", kinds.DECISIONS)
    send(in_tenant, tenant_a, "ana@a.example.org", "Drift escalated to you", kinds.ESCALATION)
    send(in_tenant, tenant_a, "bo@a.example.org", "Referral 15: declined", kinds.REFERRALS)
    send(in_tenant, tenant_b, "ana@a.example.org", "Council B referral 3: booked", kinds.REFERRALS)
    work_jobs()
    assert digests(app) == []

    travel(datetime(2026, 12, 8, 7, 0, tzinfo=LONDON))  # the next morning, before the digest's time
    assert schedule.get_periodic("send-daily-digests").cron == "30 7 * * *"  # 07:30 London, after the reminders

    travel(DIGEST_DAY_2)
    run_digests(app, work_jobs)
    ana_a = [d for d in digests(app, "ana@a.example.org") if d[0] == tenant_a.id]
    assert len(ana_a) == 1 and ana_a[0][3] == EmailStatus.SENT
    assert ana_a[0][2] == "Your daily digest for 8 December 2026: 3 notices"
    body = ana_a[0][4]
    assert "Referrals and quality assurance" in body and "Minutes and decisions" in body
    assert (body.index("Referrals and quality assurance") < body.index("Referral 12")
            < body.index("Minutes and decisions"))
    assert "* Referral 12: quality assurance needed (7 December 2026 at 10:00)" in body
    assert "Please quality-assure referral 12." in body and "It is due on Friday." in body and referral in body
    assert "Referral 14: booked" in body and "Panel: minutes of 1 December" in body
    assert "Drift escalated to you" not in body  # went straight away
    assert "Referral 15" not in body and "Council B" not in body  # another person's, another council's
    ana_b = [d for d in digests(app, "ana@a.example.org") if d[0] == tenant_b.id]
    assert len(ana_b) == 1 and "Council B referral 3: booked" in ana_b[0][4] and "Referral 12" not in ana_b[0][4]
    bo_digest = digests(app, "bo@a.example.org")
    assert len(bo_digest) == 1 and "Referral 15: declined" in bo_digest[0][4] and "Referral 12" not in bo_digest[0][4]
    assert digests(app, "cy@a.example.org") == []  # nothing waited: no digest
    assert not [m for m in mail(app) if m[3] == EmailStatus.HELD]
    # The notices themselves never left by themselves.
    assert ("ana@a.example.org", "Referral 12: quality assurance needed") not in sent(app)

    # On the notices page they now say where they went.
    login(ana)
    page = text(client.get(f"/{tenant_a.slug}/notices").get_data(as_text=True))
    assert "Sent in your daily digest on 8 December 2026" in page and "Waiting for your daily digest" not in page

    # The job runs again (a retry, "Run now"): nothing more is sent.
    before = len(mail(app))
    run_digests(app, work_jobs)
    assert len(mail(app)) == before

    # A notice that waits after today's digest went is in tomorrow's, alone.
    travel(datetime(2026, 12, 8, 9, 0, tzinfo=LONDON))
    send(in_tenant, tenant_a, "ana@a.example.org", "Referral 16: booked", kinds.REFERRALS)
    run_digests(app, work_jobs)
    assert len([d for d in digests(app, "ana@a.example.org") if d[0] == tenant_a.id]) == 1
    travel(DIGEST_DAY_3)
    run_digests(app, work_jobs)
    ana_a = [d for d in digests(app, "ana@a.example.org") if d[0] == tenant_a.id]
    assert len(ana_a) == 2 and ana_a[1][2] == "Your daily digest for 9 December 2026: 1 notice"
    assert "Referral 16: booked" in ana_a[1][4] and "Referral 12" not in ana_a[1][4]
    run_digests(app, work_jobs)
    assert len(digests(app)) == 4  # Ana twice in council A, once in B; Bo once


def test_the_notices_page_lists_only_the_persons_own_notices_in_this_council(app, client, login, tenant_a, tenant_b,
                                                                             make_user, in_tenant, travel):
    travel(DAY_1)
    ana = make_user(tenant_a, ["social_worker"], email="ana@a.example.org")
    make_user(tenant_a, ["social_worker"], email="bo@a.example.org")
    send(in_tenant, tenant_a, "ana@a.example.org", "Ana's referral", kinds.REFERRALS)
    send(in_tenant, tenant_a, "bo@a.example.org", "Bo's referral", kinds.REFERRALS)
    send(in_tenant, tenant_b, "ana@a.example.org", "Another council's notice", kinds.REFERRALS)
    travel(datetime(2026, 11, 1, 10, 0, tzinfo=LONDON))
    send(in_tenant, tenant_a, "ana@a.example.org", "An old notice", kinds.REFERRALS)
    travel(DAY_1)
    login(ana)
    home = client.get(f"/{tenant_a.slug}/").get_data(as_text=True)
    assert f'href="/{tenant_a.slug}/notices"' in home and "Your notices" in home  # in the header
    page = text(client.get(f"/{tenant_a.slug}/notices").get_data(as_text=True))
    assert "Ana's referral" in page or "Ana&#39;s referral" in page
    assert "Bo" not in page and "Another council" not in page and "An old notice" not in page  # 30 days


def test_a_report_notice_waits_for_the_digest_when_its_reader_chose_so(app, client, login, make_user, travel,
                                                                       work_jobs):
    """A real notice: the quarter's report is built and its audience told; the senior manager who
    chose the digest for reports gets it the next morning, the other one straight away."""
    travel(datetime(2026, 5, 20, 9, tzinfo=timezone.utc))
    tenant = load_seed(app, "permanence-panel-pptm")
    sam = make_user(tenant, ["senior_manager"], email="senior@pptm.example.org", name="Sam Senior")
    make_user(tenant, ["senior_manager"], email="head@pptm.example.org", name="Hana Head")
    login(sam)
    assert choose(client, tenant, reports="digest").status_code == 302

    travel(datetime(2026, 7, 1, 7, tzinfo=timezone.utc))  # the day after quarter 1 ends
    with app.app_context():
        schedule.run_now("build-due-reports")
        commit()
    work_jobs()
    assert any(to == "head@pptm.example.org" for to, _ in sent(app))
    assert not any(to == "senior@pptm.example.org" for to, _ in sent(app))

    travel(datetime(2026, 7, 2, 7, 30, tzinfo=LONDON))
    run_digests(app, work_jobs)
    digest = digests(app, "senior@pptm.example.org")
    assert len(digest) == 1 and digest[0][3] == EmailStatus.SENT
    assert "Reports and reviews of the terms of reference" in digest[0][4]
    assert "quarterly highlight report" in digest[0][4] and f"/{tenant.slug}/reports/built/" in digest[0][4]
