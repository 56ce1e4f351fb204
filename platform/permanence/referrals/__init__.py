"""Referrals: a social worker refers a child (or a sibling group, as one item) to a panel's
sitting and agenda part; the team manager quality-assures and submits; the late policy of the
terms of reference applies; cohort rules and the previous meeting propose children, and an
accepted proposal is booked or, where the ToR says so, completed as a referral first."""

from ..core.registry import register_api, register_nav
from ..core.schedule import register_periodic
from . import policies  # noqa: F401  (the person asked to quality-assure sees the referral)
from . import request_views  # noqa: F401  (its routes are on the referrals blueprint)
from .api import blp
from .proposals import proposals_job
from .views import bp


def init_app(app):
    app.register_blueprint(bp)
    register_api(blp)
    register_nav("Referrals", "referrals.index", "referrals.create", order=25)
    # After the nightly tracker recompute keeps the cohorts, and after the sittings are generated (03:00).
    register_periodic("propose-from-cohorts", proposals_job, "0 5 * * *", on_activation=True,
                      description="Proposes children for the coming sittings from the cohort rules.")
