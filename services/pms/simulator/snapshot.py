"""The simulator's changeable tables saved to a JSON file, so a demo practice survives a restart.

Only the synthetic practice's own records are saved (no real PHI exists in the simulator).
A snapshot belongs to one seed, size and "today": the synthetic schedule is built around its
day, so a snapshot from another day is not loaded (the demo starts a new day instead).
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from services.pms.simulator.practice import SyntheticPractice

FORMAT = 1


def _identity(practice: SyntheticPractice) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "seed": practice.seed,
        "patients_count": practice.patients_count,
        "today": practice.today.isoformat(),
    }


def save(practice: SyntheticPractice, path: Path) -> None:
    """Write the patients, appointments, recalls and appointment fields; atomic (a crash
    keeps the previous snapshot)."""
    with practice.lock:
        data = {
            **_identity(practice),
            "patients": list(practice.patients.values()),
            "appointments": list(practice.appointments.values()),
            "recalls": practice.recalls,
            "appt_fields": [
                [apt, name, value] for (apt, name), value in practice.appt_fields.items()
            ],
        }
        text = json.dumps(data, separators=(",", ":"))
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(partial, path)


def saved_day(path: Path) -> date | None:
    """The day a snapshot was built for, or None when there is none that can be read."""
    try:
        return date.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["today"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load(practice: SyntheticPractice, path: Path) -> bool:
    """Replace the practice's changeable tables with the snapshot's; False (unchanged) when
    there is no snapshot, it cannot be read, or it is of another seed, size or day."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or any(data.get(k) != v for k, v in _identity(practice).items()):
        return False
    try:
        patients = {int(x["PatNum"]): dict(x) for x in data["patients"]}
        appointments = {int(a["AptNum"]): dict(a) for a in data["appointments"]}
        recalls = [dict(r) for r in data["recalls"]]
        fields = {(int(a), str(n)): str(v) for a, n, v in data["appt_fields"]}
    except (KeyError, TypeError, ValueError):
        return False
    with practice.lock:
        practice.patients = patients
        practice.appointments = appointments
        practice.recalls = recalls
        practice.appt_fields = fields
    return True
