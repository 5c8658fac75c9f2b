"""The domain: no Qt. Auth, access, audit, PMS, workflows, archive, compliance."""
