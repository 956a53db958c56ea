"""Kabinet: white-label client cabinets for accounting firms."""
