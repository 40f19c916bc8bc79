"""Deterministic demo data (organizations, users, needs, results, solutions) for the platform."""
