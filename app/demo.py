"""The demo: the built-in Open Dental simulator, a folder archive and demo users (synthetic data only)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.bootstrap import Services
from app.pms_setup import CUSTOMER_KEY, DEVELOPER_KEY
from services.access import Role
from services.auth import totp
from services.pms.simulator import SimulatorServer, SyntheticPractice

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - synthetic demo users only
DEMO_USERS = [
    ("frontdesk", "Robin Front (front desk)", Role.FRONT_DESK),
    ("dra", "Dr Alex Morrow", Role.DENTIST),
    ("hygc", "Cameron Lee (hygienist)", Role.HYGIENIST),
    ("manager", "Morgan Office (manager)", Role.OFFICE_MANAGER),
    ("billing", "Billie Claims (billing)", Role.BILLING),
    ("compliance", "Casey Audit (compliance)", Role.COMPLIANCE_OFFICER),
    ("itadmin", "Indy Tech (IT)", Role.IT_ADMIN),
]


def start_simulator(today: date | None = None) -> SimulatorServer:
    return SimulatorServer(SyntheticPractice(today=today or date.today()), page_size=1000).start()


def prepare(services: Services, sim: SimulatorServer) -> None:
    """Point the installation at the simulator and make sure the demo users exist."""
    inst, now = services.installation, services.clock.now()
    inst.settings.set("pms.mode", "url", now)
    inst.settings.set("pms.base_url", sim.url, now)
    inst.secrets.put(DEVELOPER_KEY, sim.developer_key.encode(), now)
    inst.secrets.put(CUSTOMER_KEY, sim.customer_key.encode(), now)
    system = services.users
    from services.access import Actor, ActorType

    setup = Actor("system_demo_setup", ActorType.SYSTEM, Role.SYSTEM)
    setup = replace(setup, role=Role.IT_ADMIN)
    for login, display, role in DEMO_USERS:
        if services.accounts.by_login(login) is None:
            created = system.add(setup, login, role, DEMO_PASSWORD, display)
            services.accounts.update(created.user_id, totp_enrolled=1)


def hint(services: Services) -> str:
    """Shown on the demo's sign-in window only: the password and each user's current code."""
    now = services.clock.now()
    codes = []
    for login, _, _ in DEMO_USERS:
        record = services.accounts.by_login(login)
        secret = services.accounts.totp_secret(record.user_id) if record else None
        if secret:
            codes.append(f"{login} {totp.code_at(secret, now)}")
    return (
        f"Demo practice, synthetic patients only. Password for every demo user: {DEMO_PASSWORD}. "
        f"Current codes (they change every 30 s; Back and sign in again for a fresh one): "
        + ", ".join(codes)
    )
