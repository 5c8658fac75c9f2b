"""An Open Dental API-compatible server over a deterministic synthetic practice (no real PHI)."""

from services.pms.simulator import snapshot
from services.pms.simulator.practice import SyntheticPractice
from services.pms.simulator.server import Fault, SimulatorServer

__all__ = ["Fault", "SimulatorServer", "SyntheticPractice", "snapshot"]
