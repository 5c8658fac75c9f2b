"""Composition root: configuration, start-up, the enamel GUI and the enamel-admin command line."""
