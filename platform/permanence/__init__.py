"""Permanence: permanence panels and permanency tracking for English councils."""

__version__ = "0.1.0"
