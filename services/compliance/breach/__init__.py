"""Breach detection over the audit stream: the rules, their configuration, the engine."""
