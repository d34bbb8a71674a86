"""Deployment definitions: the monthly close on a Europe/London schedule (see deployments/monthly.py)."""
