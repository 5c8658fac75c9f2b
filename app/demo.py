"""The demo: the built-in Open Dental simulator, a folder archive and demo users (synthetic data only)."""

from __future__ import annotations

from datetime import date

from app.bootstrap import Services
from app.pms_setup import CUSTOMER_KEY, DEVELOPER_KEY
from services.auth.demo import demo_hint, ensure_demo_users
from services.clock import Clock
from services.pms.simulator import SimulatorServer, SyntheticPractice


def start_simulator(today: date, clock: Clock) -> SimulatorServer:
    """The built-in Open Dental simulator, its "today" the practice's and its clock the app's."""
    practice = SyntheticPractice(today=today, clock=clock)
    return SimulatorServer(practice, page_size=1000).start()


def prepare(services: Services, sim: SimulatorServer) -> None:
    """Point the installation at the simulator and make sure the demo users exist."""
    inst, now = services.installation, services.clock.now()
    inst.settings.set("pms.mode", "url", now)
    inst.settings.set("pms.base_url", sim.url, now)
    inst.secrets.put(DEVELOPER_KEY, sim.developer_key.encode(), now)
    inst.secrets.put(CUSTOMER_KEY, sim.customer_key.encode(), now)
    ensure_demo_users(services.accounts, services.users)


def hint(services: Services) -> str:
    """Shown on the demo's sign-in window only."""
    return demo_hint(services.accounts, services.clock)
