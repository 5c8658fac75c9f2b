"""Mailing addresses from Open Dental (Patients GET single), for breach notice letters only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from services.access import Field, Purpose, fields_for
from services.access.policy import AccessDenied
from services.pms import parse


@dataclass(frozen=True)
class MailingAddress:
    pat_num: int
    name: str  # the legal name a letter is addressed to (first, middle initial, last)
    street: str  # Address and Address2, on one or two lines
    city: str
    state: str  # the state or jurisdiction of residence: it decides the media notice
    zip_code: str

    def lines(self) -> list[str]:
        place = f"{self.city}, {self.state} {self.zip_code}".strip(" ,")
        return [self.name, *[s for s in self.street.split("\n") if s], place]


class _Client(Protocol):
    def _get(self, path: str, params: dict[str, Any] | None = None, template: str = "") -> Any: ...


class MailingAddressCalls:
    """Mixed into OpenDentalClient (it supplies `_get`)."""

    def mailing_addresses(
        self: _Client, purpose: Purpose, pat_nums: Iterable[int]
    ) -> list[MailingAddress]:
        """One Patients GET (single) per patient, keeping the name and address only; refused
        for a purpose whose field set has no mailing address (only the breach assessment)."""
        if Field.MAILING_ADDRESS not in fields_for(purpose):
            raise AccessDenied("This purpose may not read mailing addresses.")
        found = []
        for pat_num in sorted(set(pat_nums)):
            record = parse.as_object(
                self._get(f"/patients/{pat_num}", template="/patients/{PatNum}"), "patient"
            )
            if parse.integer(record, "PatNum") != pat_num:
                raise parse.bad("a patient record with another PatNum than asked for")
            name = " ".join(
                p for p in (parse.text(record, k) for k in ("FName", "MiddleI", "LName")) if p
            )
            street = "\n".join(
                s for s in (parse.text(record, "Address"), parse.text(record, "Address2")) if s
            )
            found.append(
                MailingAddress(
                    pat_num,
                    name,
                    street,
                    parse.text(record, "City"),
                    parse.text(record, "State").upper(),
                    parse.text(record, "Zip"),
                )
            )
        return found
