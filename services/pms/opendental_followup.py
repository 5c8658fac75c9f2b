"""The Open Dental calls that record the office's follow-up: insurance verifications,
appointment field definitions, recall statuses (apiinsverifies, apiapptfielddefs,
apidefinitions, apirecalls)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

from services.pms import parse
from services.pms.http import PmsHttp
from services.pms.records import ApptFieldDef

ELIGIBILITY = "PatientEnrollment"  # VerifyType: FKey is the PatPlanNum
RECALL_STATUS_CATEGORY = 13  # definition.Category of the recall statuses ("Left Msg", …)


class _Client(Protocol):
    _http: PmsHttp

    def _get(self, path: str, params: dict[str, Any] | None = None, template: str = "") -> Any: ...

    def _all_pages(self, path: str, params: dict[str, Any], what: str) -> list[dict[str, Any]]: ...


def verified_from(records: list[dict[str, Any]], wanted: set[int]) -> dict[int, date | None]:
    """`eligibility_verified` from the InsVerifies pages already read."""
    found: dict[int, date | None] = dict.fromkeys(wanted)
    for v in records:
        fkey = parse.integer(v, "FKey")
        if fkey in wanted:
            found[fkey] = parse.day(v, "DateLastVerified")
    return found


class FollowUpCalls:
    """Mixed into OpenDentalClient (it supplies `_http`, `_get` and `_all_pages`)."""

    def eligibility_verified(self: _Client, pat_plan_nums: Iterable[int]) -> dict[int, date | None]:
        """InsVerifies GET with VerifyType=PatientEnrollment: when each patient plan's
        eligibility was last verified ("Eligibility Last Verified"), None if never.

        One list read (paged) rather than one call per plan: FKey as a filter needs 24.4.17.
        """
        wanted = set(pat_plan_nums)
        if not wanted:
            return {}
        records = self._all_pages("/insverifies", {"VerifyType": ELIGIBILITY}, "verifications")
        return verified_from(records, wanted)

    def verify_eligibility(
        self: _Client, pat_plan_num: int, verified_on: date | None, note: str = ""
    ) -> date | None:
        """InsVerifies PUT: sets "Eligibility Last Verified" (when `verified_on` is given) and
        the status note; Open Dental keeps the earlier entry in its history. Returns the date
        the PMS now holds."""
        body: dict[str, Any] = {"VerifyType": ELIGIBILITY, "FKey": pat_plan_num, "Note": note}
        if verified_on is not None:
            body["DateLastVerified"] = verified_on.isoformat()
        answer = parse.as_object(
            self._http.request("PUT", "/insverifies", json_body=body, template="/insverifies"),
            "insurance verification",
        )
        return parse.day(answer, "DateLastVerified")

    def appointment_field_defs(self: _Client) -> list[ApptFieldDef]:
        """ApptFieldDefs GET: the appointment fields this office set up (no patient data)."""
        return [
            ApptFieldDef(
                name=parse.text(d, "FieldName", optional=False),
                kind=parse.text(d, "FieldType") or "Text",
                pick_list=tuple(
                    item.strip()
                    for item in parse.text(d, "PickList").replace("\r\n", "\n").split("\n")
                    if item.strip()
                ),
            )
            for d in parse.as_list(self._get("/apptfielddefs"), "appointment field defs")
        ]

    def recall_statuses(self: _Client) -> dict[str, int]:
        """Definitions GET, category 13: the office's recall statuses by name ("Left Msg")."""
        records = self._all_pages(
            "/definitions", {"Category": RECALL_STATUS_CATEGORY}, "recall statuses"
        )
        return {
            parse.text(d, "ItemName"): parse.integer(d, "DefNum")
            for d in records
            if parse.integer(d, "Category", optional=True) == RECALL_STATUS_CATEGORY
        }

    def set_recall_status(
        self: _Client,
        pat_num: int,
        recall_type: str,
        *,
        status_num: int | None,
        note: str,
        mode: str = "Phone",
    ) -> None:
        """Recalls PUT Status: the recall's status (None keeps it) and, as Open Dental does
        with every status change, a Recall commlog carrying `note`."""
        body: dict[str, Any] = {
            "PatNum": pat_num,
            "recallType": recall_type,
            "commlogMode": mode,
            "commlogNote": note,
        }
        if status_num is not None:
            body["RecallStatus"] = status_num
        # Every PUT Status adds a commlog: never repeated after it may have landed (the
        # queued write looks for its reference first, services.workflows.recall).
        self._http.request(
            "PUT", "/recalls/Status", json_body=body, template="/recalls/Status", idempotent=False
        )

    def has_commlog(self: _Client, pat_num: int, marker: str) -> bool:
        """Commlogs GET for the patient: whether one's note carries `marker` (a write's own
        reference), so a write that may have landed is checked, not sent again. Nothing of
        the notes is kept."""
        logs = self._all_pages("/commlogs", {"PatNum": pat_num}, "commlogs")
        return any(marker in parse.text(c, "Note") for c in logs)
