"""Deterministic sample extracts that look like the platform's exports (see generator.py)."""
