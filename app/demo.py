"""The demo: the built-in Open Dental simulator, a folder archive and demo users (synthetic data only)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from app.bootstrap import Services
from services.auth.demo import DEMO_PASSWORD, DEMO_USERS, demo_hint, ensure_demo_users
from services.compliance.breach.office_hours import OFFICE_HOURS_SETTING
from services.pms.opendental import Mode
from services.pms.settings import PmsSettings, write_keys
from services.pms.simulator import SimulatorServer, SyntheticPractice, snapshot
from storage.desk_repo import DeskRepository

log = logging.getLogger("app.demo")
# The demo practice's opening hours (practice time): work in them is normal, out of them not.
DEMO_OFFICE_HOURS = json.dumps(
    {day: ["07:00", "19:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    | {"sat": ["08:00", "13:00"]}
)
SNAPSHOT = "demo-pms.json"  # in the demo folder: the simulator's practice as the demo left it


def say(text: str) -> None:
    """A line for the person who started the demo from a terminal (none on Windows' GUI exe)."""
    print(text, flush=True)


def snapshot_path(services: Services) -> Path:
    return services.installation.layout.root / SNAPSHOT


def start_simulator(services: Services) -> SimulatorServer:
    """The built-in Open Dental simulator, its "today" the practice's and its clock the app's.

    The practice is the one the demo left (saved after every write), so a rebooked no-show
    stays rebooked across restarts. On a new day the synthetic schedule is built anew around
    it, and Enamel's own follow-up notes, which name the old day's appointments, start empty.
    """
    path = snapshot_path(services)
    today = services.calendar.today()
    practice = SyntheticPractice(today=today, clock=services.clock)
    resumed = snapshot.load(practice, path)
    if not resumed and snapshot.saved_day(path) is not None:
        DeskRepository(services.installation.db).forget_all()
        log.info("demo.new_day")
    if not resumed:
        snapshot.save(practice, path)
    return SimulatorServer(
        practice, page_size=1000, on_change=lambda p: snapshot.save(p, path)
    ).start()


def prepare(services: Services, sim: SimulatorServer) -> None:
    """Point the installation at the simulator and make sure the demo users exist."""
    inst, now = services.installation, services.clock.now()
    PmsSettings(Mode.URL, sim.url).write(inst.settings, now)  # loopback HTTP needs no allowance
    write_keys(inst.secrets, sim.developer_key, sim.customer_key, now)
    if not inst.settings.get(OFFICE_HOURS_SETTING):  # the breach rules judge hours by these
        inst.settings.set(OFFICE_HOURS_SETTING, DEMO_OFFICE_HOURS, now)
    ensure_demo_users(services.accounts, services.users)


def hint(services: Services) -> str:
    """Shown on the demo's sign-in and code screens only."""
    return demo_hint(services.accounts, services.clock)


def welcome(data_dir: Path) -> str:
    """What the terminal says once the demo's window is up: how to sign in, what to try."""
    first, *others = (login for login, _, _ in DEMO_USERS)
    return (
        "The Enamel demo window is open (synthetic patients only; nothing here is real).\n"
        f"  Sign in as {first} (or {', '.join(others)}),\n"
        f"  password {DEMO_PASSWORD}, then the 6-digit code the window shows you.\n"
        "  Try first: as frontdesk open No-shows and rebook one, then look at the Schedule;\n"
        "  then sign in as compliance and open the Audit trail to see it recorded.\n"
        f"  Demo data: {data_dir} (delete the folder to start over). Close the window to stop."
    )
