"""The demo: the built-in Open Dental simulator, a folder archive and demo users (synthetic data only)."""

from __future__ import annotations

from datetime import date

from app.bootstrap import Services
from services.auth.demo import demo_hint, ensure_demo_users
from services.clock import Clock
from services.pms.opendental import Mode
from services.pms.settings import PmsSettings, write_keys
from services.pms.simulator import SimulatorServer, SyntheticPractice


def start_simulator(today: date, clock: Clock) -> SimulatorServer:
    """The built-in Open Dental simulator, its "today" the practice's and its clock the app's."""
    practice = SyntheticPractice(today=today, clock=clock)
    return SimulatorServer(practice, page_size=1000).start()


def prepare(services: Services, sim: SimulatorServer) -> None:
    """Point the installation at the simulator and make sure the demo users exist."""
    inst, now = services.installation, services.clock.now()
    PmsSettings(Mode.URL, sim.url).write(inst.settings, now)  # loopback HTTP needs no allowance
    write_keys(inst.secrets, sim.developer_key, sim.customer_key, now)
    ensure_demo_users(services.accounts, services.users)


def hint(services: Services) -> str:
    """Shown on the demo's sign-in window only."""
    return demo_hint(services.accounts, services.clock)
