"""The private calendar feed on the web: the member's page to make, replace or stop the address, and
the feed itself, a public address whose secret stands in for signing in."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, url_for

from ..accounts.permissions import public, require
from ..core.jobs import commit
from . import feed
from .forms import FeedForm

bp = Blueprint("calendar_feed", __name__, template_folder="templates")


@bp.get("/<tenant_slug>/calendar-feed")
@require("panels.view")
def page(tenant_slug):
    return render_template("agenda/feed.html", has_feed=g.membership.calendar_token_hash is not None,
                           form=FeedForm(formdata=None), address=None)


@bp.post("/<tenant_slug>/calendar-feed")
@require("panels.view")
def create(tenant_slug):
    """Make a new address (the old one stops working) and show it, this once."""
    if not FeedForm().validate_on_submit():
        abort(400)
    token = feed.new_feed_token(g.membership)
    commit()
    address = url_for("calendar_feed.ics", token=token, _external=True)
    return render_template("agenda/feed.html", has_feed=True, form=FeedForm(formdata=None), address=address)


@bp.post("/<tenant_slug>/calendar-feed/stop")
@require("panels.view")
def stop(tenant_slug):
    if not FeedForm().validate_on_submit():
        abort(400)
    feed.stop_feed(g.membership)
    commit()
    flash("Your calendar feed is stopped: its address no longer works.", "success")
    return redirect(url_for("calendar_feed.page"))


@bp.get("/<tenant_slug>/calendar/<token>.ics")
@public
def ics(tenant_slug, token):
    """The feed: the council comes from the address, the member from the secret (an unknown one is a 404)."""
    membership = feed.membership_for_token(token)
    if membership is None:
        abort(404)
    feed.act_for(membership)
    response = Response(feed.feed_for(membership, g.tenant.slug), mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
