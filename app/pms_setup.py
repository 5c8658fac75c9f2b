"""Builds the configured PMS client from settings and the encrypted secrets."""

from __future__ import annotations

from services.clock import Clock
from services.installation import Installation
from services.pms.directory import PatientDirectory
from services.pms.opendental import Mode, OpenDentalClient, read_concurrency_for
from services.pms.plan_cache import PlanCache
from services.pms.records import PmsRejected
from services.pms.settings import PmsSettings, read_keys
from storage.contacts_repo import ContactsRepository
from storage.plan_rows_repo import PlanRowsRepository


def pms_client(installation: Installation, clock: Clock | None = None) -> OpenDentalClient:
    """With a clock (the desk), patient contacts come from the encrypted patient directory,
    kept current by DateTStamp, and the insurance lists from their kept copy
    (services/pms/plan_cache.py); without one (`enamel-admin pms check`), straight from the PMS."""
    config = PmsSettings.read(installation.settings)
    keys = read_keys(installation.secrets)
    if keys is None:
        raise PmsRejected(
            "The practice-management system is not set up yet: IT needs to enter the Open Dental "
            "developer and customer keys ('enamel-admin pms set')."
        )
    directory, plans = None, None
    if clock is not None:
        directory = PatientDirectory(ContactsRepository(installation.db), clock)
        plans = PlanCache(PlanRowsRepository(installation.db), clock)
    return OpenDentalClient(
        config.url(),
        *keys,
        page_size=config.effective_page_size(),
        requests_per_second=0.2 if config.mode is Mode.REMOTE else 0.0,
        allow_http_hosts=config.allow_http_hosts,
        # The mode's reads at once, on the client's own reader threads (one set for the whole
        # session, closed with the desk; the cloud's throttle still spaces the requests).
        concurrency=read_concurrency_for(config.mode),
        directory=directory,
        plans=plans,
        clinic_num=config.clinic_num,
    )
