"""Fixtures for the terms-of-reference tests: the five seed tenants, loaded once."""

from pathlib import Path

import pytest

from permanence.tor import load_tor

TENANTS_DIR = Path(__file__).resolve().parents[2] / "tenants"
SLUGS = ("waltham-forest", "permanence-panel-pptm", "redbridge", "monthly-tracking-overview", "knowsley")


@pytest.fixture(scope="session")
def tenants():
    return {slug: load_tor(TENANTS_DIR / slug) for slug in SLUGS}
