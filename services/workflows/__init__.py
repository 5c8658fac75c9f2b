"""The five workflows and the schedule: each a service with its purpose, field set and audit."""
