"""One workstation of the practice as its own process, for the multi-PC tests.

`python -m tests.hub.workstation_driver --data-dir PC --clock-start ISO` builds the product's
composition root (app/bootstrap.py `build_services`, the desk of app/desk.py, the compliance
tools of app/compliance_setup.py) on that data folder, on a ManualClock started at
`--clock-start`, then takes one JSON order a line on stdin and answers one JSON line on stdout:
a person signs in (password + TOTP through this PC's AuthService, which the hub checks), looks
patients up in Open Dental and opens their cards, the archive job runs a round, the compliance
officer reads the access report, the breach assessment, the audit viewer's page and the alerts.
Every answer carries this PC's `now`; a failure answers `error` (the class) and `message`.
The test holds the secrets and computes the codes; nothing here knows them.
"""

from __future__ import annotations

import argparse
import json
import select
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from services.clock import ManualClock

Order = dict[str, Any]


class Workstation:
    def __init__(self, data_dir: Path, clock: ManualClock) -> None:
        from app.bootstrap import build_services
        from services.installation import open_installation
        from storage.keystore import KeyringKeyStore
        from storage.layout import DataLayout

        self.clock = clock
        self.services = build_services(
            open_installation(DataLayout(data_dir), KeyringKeyStore()), clock
        )
        self.session: Any = None
        self._desk: Any = None
        self._archive: Any = None

    # -- helpers -------------------------------------------------------------------------

    @property
    def actor(self) -> Any:
        assert self.session is not None, "nobody is signed in at this PC"
        return self.session.actor

    def desk(self) -> Any:
        if self._desk is None:
            from app.desk import build_desk
            from app.pms_setup import pms_client

            self._desk = build_desk(
                self.services, pms_client(self.services.installation, self.clock)
            )
        return self._desk

    def source(self) -> Any:
        from app.practice_setup import entry_source

        return entry_source(self.services)

    def close(self) -> None:
        if self._desk is not None:
            self._desk.context.pms.close()
        self.services.close()

    # -- orders --------------------------------------------------------------------------

    def sign_in(self, o: Order) -> Order:
        at = datetime.fromisoformat(o["at"])
        if at < self.clock.now():
            raise ValueError("a sign-in before this PC's time")
        self.clock.set(at)
        auth = self.services.auth
        step = auth.check_password(o["login"], o["password"])
        self.session = auth.check_code(step, o["code"])
        return {"user_id": self.session.user_id, "hub": self.services.hub_mode()}

    def sign_out(self, o: Order) -> Order:
        if self.session is not None:
            self.services.auth.end_session(self.session)
            self.session = None
        return {}

    def open(self, o: Order) -> Order:
        """The person looks each patient up by birth date and opens the card of each found."""
        from services.workflows.patient_card import PatientCardService

        desk = self.desk()
        cards = PatientCardService(desk.context)
        found: list[int] = []
        for born in o["birthdates"]:
            for contact in desk.lookup.find(self.actor, born):
                cards.card(self.actor, contact)
                found.append(contact.pat_num)
            self.clock.advance(1)
        return {"found": found}

    def archive_round(self, o: Order) -> Order:
        """One round of the archive job, a moment after the last thing done here."""
        from app.jobs_setup import archive_job

        self.clock.advance(float(o.get("advance", 1)))
        if self._archive is None:
            self._archive = archive_job(self.services)
        return {"result": self._archive.run()}

    def access_report(self, o: Order) -> Order:
        from services.compliance.reports import patient_access_report

        s = self.services
        report = patient_access_report(
            s.gateway, s.clock, self.actor, o["patient"], source=self.source()
        )
        return {
            "practice_wide": report.practice_wide,
            "notice": report.notice,
            "workstations": report.workstations,
            "rows": [
                {"action": r.action, "workstation_id": r.workstation_id, "actor_id": r.actor_id}
                for r in report.rows
            ],
        }

    def breach_assessment(self, o: Order) -> Order:
        from services.compliance.reports import breach_assessment

        s = self.services
        found = breach_assessment(
            s.gateway,
            s.clock,
            self.actor,
            datetime.fromisoformat(o["start"]),
            datetime.fromisoformat(o["end"]),
            actor_id=o["actor_id"],
            source=self.source(),
        )
        return {
            "practice_wide": found.practice_wide,
            "notes": list(found.notes),
            "patients": len(found.patients),
        }

    def scan(self, o: Order) -> Order:
        """The PC's own compliance sweep (the GUI's compliance job)."""
        return {"raised": [a.rule for a in self.services.compliance.scan(self.services)]}

    def alerts(self, o: Order) -> Order:
        service = self.services.compliance.alerts
        return {
            "alerts": [
                {
                    "alert_id": v.alert.alert_id,
                    "rule": v.alert.rule,
                    "acknowledged_by": v.alert.acknowledged_by,
                }
                for v in service.views(self.actor)
            ],
            "open": service.unacknowledged_count(),
        }

    def acknowledge(self, o: Order) -> Order:
        self.services.compliance.alerts.acknowledge(self.actor, o["alert_id"], o["note"])
        return self.alerts(o)

    def hub_alerts(self, o: Order) -> Order:
        """The hub's alerts as this PC asks for them (the hub checks the permission)."""
        from app.practice_setup import practice_alerts

        practice = practice_alerts(self.services)
        assert practice is not None
        return {"count": len(practice.alerts(self.actor, False))}

    def audit_page(self, o: Order) -> Order:
        from services.audit.browse import ViewerFilters
        from services.compliance.people import audit_page

        s = self.services
        day = s.calendar.today()
        page = audit_page(
            s.trail,
            self.actor,
            None,
            day - timedelta(days=1),
            day + timedelta(days=1),
            filters=ViewerFilters(**o.get("filters", {})),
            source=self.source(),
        )
        return {
            "practice_wide": page.practice_wide,
            "workstations": page.workstations,
            "entries": [
                {k: e.data.get(k) for k in ("workstation_id", "actor_id", "action", "seq")}
                for e in page.entries
            ],
        }

    def practice_find(self, o: Order) -> Order:
        """The hub's entries as the audit viewer asks for them, without the local checks."""
        from storage.hub_entries_repo import EntryFilter

        found = self.source().find(self.actor, o["query"], EntryFilter(), 10)
        return {"entries": len(found.entries)}


class PcProcess:
    """The test's handle on one workstation's driver process: started, asked, stopped."""

    def __init__(self, data_dir: Path, start: datetime) -> None:
        self.data_dir = data_dir
        self.now = start  # this PC's time, as its last answer gave it
        self.proc: subprocess.Popen[str] | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """A new process on this PC's folder, its clock going on where the last one stopped."""
        assert not self.running
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.hub.workstation_driver", "--data-dir",
             str(self.data_dir), "--clock-start", self.now.isoformat()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self._answer()["ready"]

    def _answer(self) -> Order:
        assert self.proc is not None and self.proc.stdout is not None
        # A bound for a hung child, not a measured time.
        ready, _, _ = select.select([self.proc.stdout], [], [], 120)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.proc.kill()
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"the workstation process at {self.data_dir.name} died: {err}")
        answer: Order = json.loads(line)
        self.now = datetime.fromisoformat(answer["now"])
        return answer

    def ask(self, op: str, **args: Any) -> Order:
        """One order; the answer (a failure answers `error` and `message`)."""
        if not self.running:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def do(self, op: str, **args: Any) -> Order:
        """An order that must succeed."""
        answer = self.ask(op, **args)
        assert "error" not in answer, f"{op} at {self.data_dir.name}: {answer}"
        return answer

    def stop(self) -> None:
        """Closed as the app closes (the trail committed); the process ends."""
        if self.running:
            assert self.proc is not None and self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)
        self.proc = None

    def switch_off(self) -> None:
        """The PC goes off at once: the process is killed, nothing closed."""
        if self.running:
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait(timeout=60)
        self.proc = None


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workstation_driver")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--clock-start", required=True)
    args = parser.parse_args(argv)
    station = Workstation(args.data_dir, ManualClock(datetime.fromisoformat(args.clock_start)))
    orders: dict[str, Callable[[Order], Order]] = {
        name: getattr(station, name)
        for name in (
            "sign_in", "sign_out", "open", "archive_round", "access_report",
            "breach_assessment", "scan", "alerts", "acknowledge", "hub_alerts", "audit_page",
            "practice_find",
        )
    }  # fmt: skip
    print(json.dumps({"ready": True, "now": station.clock.now().isoformat()}), flush=True)
    try:
        for line in sys.stdin:
            order = json.loads(line)
            if order["op"] == "quit":
                break
            try:
                answer = orders[order["op"]](order)
            except Exception as exc:  # the test asserts on the class; the driver goes on
                answer = {"error": type(exc).__name__, "message": str(exc)}
            answer["now"] = station.clock.now().isoformat()
            print(json.dumps(answer, default=_encode), flush=True)
    finally:
        station.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
