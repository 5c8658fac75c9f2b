"""Builds the configured PMS client from settings and the encrypted secrets."""

from __future__ import annotations

from services.installation import Installation
from services.pms.opendental import (
    Mode,
    OpenDentalClient,
    base_url_for,
    page_size_for,
    reject_unknown_mode,
)
from services.pms.records import PmsRejected

DEVELOPER_KEY = "pms.developer_key"
CUSTOMER_KEY = "pms.customer_key"


def pms_client(installation: Installation) -> OpenDentalClient:
    settings, secrets = installation.settings, installation.secrets
    mode = reject_unknown_mode(settings.get("pms.mode", "service") or "service")
    url = settings.get("pms.base_url", "") or ""
    base = (
        url if (mode is Mode.URL or url) else base_url_for(mode, settings.get("pms.host", "") or "")
    )
    developer, customer = secrets.get(DEVELOPER_KEY), secrets.get(CUSTOMER_KEY)
    if developer is None or customer is None:
        raise PmsRejected(
            "The practice-management system is not set up yet: IT needs to enter the Open Dental "
            "developer and customer keys ('enamel-admin pms set')."
        )
    allowed = frozenset(
        h.strip() for h in (settings.get("pms.allow_http_hosts", "") or "").split(",") if h.strip()
    )
    page = int(settings.get("pms.page_size", "0") or 0) or page_size_for(mode)
    rate = 0.2 if mode is Mode.REMOTE else 0.0
    return OpenDentalClient(
        base,
        developer.decode(),
        customer.decode(),
        page_size=page,
        requests_per_second=rate,
        allow_http_hosts=allowed,
    )
