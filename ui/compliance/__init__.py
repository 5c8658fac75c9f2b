"""Compliance pages: alerts, reports, access review and the checklist dashboard."""
