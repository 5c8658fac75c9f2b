"""The first-run wizard: practice, recovery passphrase, PMS, archive, first office manager, summary."""

from ui.firstrun.actions import ArchiveChoice, FirstRunActions, PmsChoice
from ui.firstrun.wizard import FirstRunWizard

__all__ = ["ArchiveChoice", "FirstRunActions", "FirstRunWizard", "PmsChoice"]
