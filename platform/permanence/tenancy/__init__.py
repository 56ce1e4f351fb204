"""Councils (tenants): their records and finding the council from the address. Kernel: knows
nothing of people or children."""

from ..core.schedule import fan_out_to
from .services import active_tenant_ids


def init_app(app):
    fan_out_to(active_tenant_ids)
