"""Compliance tools: breach-detection rules, alerts, reports, access review, the checklist."""
