"""Builds the configured PMS client from settings and the encrypted secrets."""

from __future__ import annotations

from services.installation import Installation
from services.pms.opendental import Mode, OpenDentalClient
from services.pms.records import PmsRejected
from services.pms.settings import PmsSettings, read_keys


def pms_client(installation: Installation) -> OpenDentalClient:
    config = PmsSettings.read(installation.settings)
    keys = read_keys(installation.secrets)
    if keys is None:
        raise PmsRejected(
            "The practice-management system is not set up yet: IT needs to enter the Open Dental "
            "developer and customer keys ('enamel-admin pms set')."
        )
    return OpenDentalClient(
        config.url(),
        *keys,
        page_size=config.effective_page_size(),
        requests_per_second=0.2 if config.mode is Mode.REMOTE else 0.0,
        allow_http_hosts=config.allow_http_hosts,
    )
