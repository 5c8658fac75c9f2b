"""Where Open Dental is and how to reach it: the typed PMS settings and the names of its secrets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.pms.opendental import Mode, base_url_for, page_size_for, reject_unknown_mode
from storage.settings_repo import SecretsRepository, SettingsRepository

MODE = "pms.mode"
BASE_URL = "pms.base_url"
HOST = "pms.host"
ALLOW_HTTP_HOSTS = "pms.allow_http_hosts"
PAGE_SIZE = "pms.page_size"
CLINIC_NUM = "pms.clinic_num"  # the clinic this installation books and lists (0: no clinics)
DEVELOPER_KEY = "pms.developer_key"  # secrets: Open Dental's developer and customer keys
CUSTOMER_KEY = "pms.customer_key"


@dataclass(frozen=True)
class PmsSettings:
    mode: Mode = Mode.SERVICE
    base_url: str = ""  # empty: derived from the mode and host
    host: str = ""
    allow_http_hosts: frozenset[str] = frozenset()
    page_size: int = 0  # 0: the mode's own (100 for the cloud, 1000 on the LAN)
    clinic_num: int = 0  # a practice using clinics: ClinicNum sent on reads and creates

    @staticmethod
    def read(settings: SettingsRepository) -> PmsSettings:
        """Raises PmsRejected for a mode this version does not know."""
        hosts = settings.get(ALLOW_HTTP_HOSTS, "") or ""
        return PmsSettings(
            mode=reject_unknown_mode(settings.get(MODE, Mode.SERVICE.value) or Mode.SERVICE.value),
            base_url=settings.get(BASE_URL, "") or "",
            host=settings.get(HOST, "") or "",
            allow_http_hosts=frozenset(h.strip() for h in hosts.split(",") if h.strip()),
            page_size=int(settings.get(PAGE_SIZE, "0") or 0),
            clinic_num=int(settings.get(CLINIC_NUM, "0") or 0),
        )

    def url(self) -> str:
        """The API base the client talks to."""
        if self.mode is Mode.URL or self.base_url:
            return self.base_url
        return base_url_for(self.mode, self.host)

    def effective_page_size(self) -> int:
        return self.page_size or page_size_for(self.mode)

    def as_settings(self) -> dict[str, str]:
        return {
            MODE: self.mode.value,
            BASE_URL: self.base_url,
            HOST: self.host,
            ALLOW_HTTP_HOSTS: ",".join(sorted(self.allow_http_hosts)),
            PAGE_SIZE: str(self.effective_page_size()),
            CLINIC_NUM: str(self.clinic_num),
        }

    def write(self, settings: SettingsRepository, now: datetime) -> None:
        for name, value in self.as_settings().items():
            settings.set(name, value, now)


def write_keys(secrets: SecretsRepository, developer: str, customer: str, now: datetime) -> None:
    secrets.put(DEVELOPER_KEY, developer.encode(), now)
    secrets.put(CUSTOMER_KEY, customer.encode(), now)


def read_keys(secrets: SecretsRepository) -> tuple[str, str] | None:
    developer, customer = secrets.get(DEVELOPER_KEY), secrets.get(CUSTOMER_KEY)
    if developer is None or customer is None:
        return None
    return developer.decode(), customer.decode()
