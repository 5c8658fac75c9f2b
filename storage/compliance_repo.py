"""SQL for the compliance tools: alerts, access-review sign-offs, backup records, trail queries,
breach risk assessments and checklist evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from storage.database import Database


@dataclass(frozen=True)
class AlertRecord:
    alert_id: str
    rule: str
    severity: str
    subject: str
    event_at: datetime
    raised_at: datetime
    summary: str
    entry_count: int
    first_seq: int
    last_seq: int
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    ack_note: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


_ALERT_COLUMNS = (
    "alert_id, rule, severity, subject, event_at, raised_at, summary, entry_count, "
    "first_seq, last_seq, acknowledged_at, acknowledged_by, ack_note"
)


def _when(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _alert(row: Any) -> AlertRecord:
    return AlertRecord(
        alert_id=str(row[0]),
        rule=str(row[1]),
        severity=str(row[2]),
        subject=str(row[3]),
        event_at=datetime.fromisoformat(str(row[4])),
        raised_at=datetime.fromisoformat(str(row[5])),
        summary=str(row[6]),
        entry_count=int(row[7]),
        first_seq=int(row[8]),
        last_seq=int(row[9]),
        acknowledged_at=_when(row[10]),
        acknowledged_by=None if row[11] is None else str(row[11]),
        ack_note=None if row[12] is None else str(row[12]),
    )


@dataclass(frozen=True)
class ReviewRecord:
    review_id: str
    signed_at: datetime
    signed_by: str
    note: str
    user_count: int
    rows_digest: str


@dataclass(frozen=True)
class BackupRecord:
    backup_id: str
    file_name: str
    created_at: datetime
    last_seq: int
    verified_at: datetime | None
    verified_ok: bool | None


@dataclass(frozen=True)
class RiskAssessmentRecord:
    """The four factors of 45 CFR 164.402(2) as the compliance officer wrote them."""

    assessment_id: str
    scope: str
    window_start: datetime
    window_end: datetime
    actor_id: str
    workstation_id: str
    discovered: date
    affected: int
    nature: str  # nature and extent of the PHI involved
    recipient: str  # the unauthorised person who used it or to whom it was disclosed
    acquired: str  # whether the PHI was actually acquired or viewed
    mitigation: str  # the extent to which the risk has been mitigated
    conclusion: str
    saved_at: datetime
    saved_by: str


_RISK_COLUMNS = (
    "assessment_id, scope, window_start, window_end, actor_id, workstation_id, discovered, "
    "affected, nature, recipient, acquired, mitigation, conclusion, saved_at, saved_by"
)


# An evidence row whose id starts so withdraws the item's evidence (an undo): the item is
# not done again until new evidence is recorded. The row's note says why, its date when.
WITHDRAWAL_PREFIX = "wd_"


@dataclass(frozen=True)
class EvidenceRecord:
    evidence_id: str
    item_key: str
    done_on: date
    note: str
    attachment: str
    recorded_at: datetime
    recorded_by: str

    @property
    def withdrawn(self) -> bool:
        return self.evidence_id.startswith(WITHDRAWAL_PREFIX)


# Entries of records opened: a patient entry without the `listed` flag (a list render, see
# services.audit.gateway.LISTED). The breach rules' volume counts these only.
_OPENED = (
    "AND patient_id != '' AND NOT EXISTS "
    "(SELECT 1 FROM json_each(body, '$.flags') WHERE value = 'listed')"
)


# The tables whose entries the breach rules read: a workstation's own trail, or (at the
# practice hub) every workstation's entries (storage/hub_entries_repo.py).
TRAIL_TABLES = {"audit_log": "seq", "hub_entries": "ts, workstation_id, seq"}


class ComplianceRepository:
    def __init__(self, db: Database, trail_table: str = "audit_log") -> None:
        self._db = db
        self._order = TRAIL_TABLES[trail_table]  # a KeyError for any other name
        self._table = trail_table

    # -- alerts ---------------------------------------------------------------------

    def insert_alert_unless_recent(
        self,
        alert: AlertRecord,
        quiet_from: datetime,
        quiet_to: datetime,
        also: tuple[str, ...] = (),
    ) -> bool:
        """Insert `alert` unless the same rule (or one of `also`) and subject has one with
        quiet_from <= event_at < quiet_to.

        Check and insert share one write transaction, so a live evaluation and a scan
        running at once cannot both raise the same alert.
        """
        rules = (alert.rule, *also)
        marks = ", ".join("?" for _ in rules)
        with self._db.transaction() as conn:
            found = conn.execute(
                f"SELECT 1 FROM compliance_alerts WHERE rule IN ({marks}) AND subject = ? "
                "AND event_at >= ? AND event_at < ? LIMIT 1",
                (*rules, alert.subject, quiet_from.isoformat(), quiet_to.isoformat()),
            ).fetchone()
            if found is not None:
                return False
            conn.execute(
                f"INSERT INTO compliance_alerts({_ALERT_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)",
                (
                    alert.alert_id,
                    alert.rule,
                    alert.severity,
                    alert.subject,
                    alert.event_at.isoformat(),
                    alert.raised_at.isoformat(),
                    alert.summary,
                    alert.entry_count,
                    alert.first_seq,
                    alert.last_seq,
                ),
            )
        return True

    def alerts(self, *, unacknowledged_only: bool = False, limit: int = 1000) -> list[AlertRecord]:
        where = "WHERE acknowledged_at IS NULL" if unacknowledged_only else ""
        rows = self._db.connection().execute(
            f"SELECT {_ALERT_COLUMNS} FROM compliance_alerts {where} "
            "ORDER BY event_at DESC, raised_at DESC LIMIT ?",
            (limit,),
        )
        return [_alert(r) for r in rows]

    def alert(self, alert_id: str) -> AlertRecord | None:
        row = (
            self._db.connection()
            .execute(
                f"SELECT {_ALERT_COLUMNS} FROM compliance_alerts WHERE alert_id = ?", (alert_id,)
            )
            .fetchone()
        )
        return None if row is None else _alert(row)

    def unacknowledged_count(self) -> int:
        row = (
            self._db.connection()
            .execute("SELECT count(*) FROM compliance_alerts WHERE acknowledged_at IS NULL")
            .fetchone()
        )
        return int(row[0])

    def oldest_unacknowledged(self) -> datetime | None:
        row = (
            self._db.connection()
            .execute("SELECT min(raised_at) FROM compliance_alerts WHERE acknowledged_at IS NULL")
            .fetchone()
        )
        return _when(row[0])

    def acknowledge(self, alert_id: str, by: str, note: str, at: datetime) -> bool:
        with self._db.transaction() as conn:
            updated = conn.execute(
                "UPDATE compliance_alerts SET acknowledged_at = ?, acknowledged_by = ?, "
                "ack_note = ? WHERE alert_id = ? AND acknowledged_at IS NULL",
                (at.isoformat(), by, note, alert_id),
            ).rowcount
        return bool(updated)

    # -- queries over the audit trail --------------------------------------------------

    def distinct_patients(self, actor_id: str, ts_from: str, ts_to: str) -> int:
        """Distinct patients whose records an actor opened with ts_from < ts <= ts_to."""
        row = (
            self._db.connection()
            .execute(
                f"SELECT count(DISTINCT patient_id) FROM {self._table} WHERE ts > ? AND ts <= ? "
                f"AND actor_id = ? {_OPENED}",
                (ts_from, ts_to, actor_id),
            )
            .fetchone()
        )
        return int(row[0])

    def recent_patients(self, actor_id: str, ts_from: str, ts_to: str) -> list[tuple[str, str]]:
        """(patient pseudonym, last ts) of records an actor opened with ts_from < ts <= ts_to."""
        rows = self._db.connection().execute(
            f"SELECT patient_id, max(ts) FROM {self._table} WHERE ts > ? AND ts <= ? "
            f"AND actor_id = ? {_OPENED} GROUP BY patient_id",
            (ts_from, ts_to, actor_id),
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    def hourly_distinct_patients(
        self, actor_ids: str | tuple[str, ...], ts_from: str, ts_to: str
    ) -> list[int]:
        """Per active UTC hour of each actor in [ts_from, ts_to): the distinct patients whose
        records that actor opened (one actor: their usual; a role's actors: the role's)."""
        ids = (actor_ids,) if isinstance(actor_ids, str) else actor_ids
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = self._db.connection().execute(
            "SELECT actor_id, substr(ts, 1, 13) AS hour, count(DISTINCT patient_id) "
            f"FROM {self._table} WHERE ts >= ? AND ts < ? AND actor_id IN ({marks}) {_OPENED} "
            "GROUP BY actor_id, hour",
            (ts_from, ts_to, *ids),
        )
        return [int(r[2]) for r in rows]

    def entries_between(self, ts_from: str, ts_to: str, outcome: str | None = None) -> list[str]:
        """Bodies of entries with ts_from < ts <= ts_to (optionally of one outcome)."""
        sql = f"SELECT body FROM {self._table} WHERE ts > ? AND ts <= ?"
        params: tuple[str, ...] = (ts_from, ts_to)
        if outcome is not None:
            sql += " AND outcome = ?"
            params = (*params, outcome)
        rows = self._db.connection().execute(f"{sql} ORDER BY {self._order}", params)
        return [str(r[0]) for r in rows]

    # -- access reviews --------------------------------------------------------------

    def add_review(self, review: ReviewRecord) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO access_reviews(review_id, signed_at, signed_by, note, user_count, "
                "rows_digest) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    review.review_id,
                    review.signed_at.isoformat(),
                    review.signed_by,
                    review.note,
                    review.user_count,
                    review.rows_digest,
                ),
            )

    def last_review(self) -> ReviewRecord | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT review_id, signed_at, signed_by, note, user_count, rows_digest "
                "FROM access_reviews ORDER BY signed_at DESC LIMIT 1"
            )
            .fetchone()
        )
        if row is None:
            return None
        return ReviewRecord(
            str(row[0]),
            datetime.fromisoformat(str(row[1])),
            str(row[2]),
            str(row[3]),
            int(row[4]),
            str(row[5]),
        )

    # -- backups ---------------------------------------------------------------------

    def add_backup(
        self, backup_id: str, file_name: str, created_at: datetime, last_seq: int
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO backups(backup_id, file_name, created_at, last_seq) "
                "VALUES (?, ?, ?, ?)",
                (backup_id, file_name, created_at.isoformat(), last_seq),
            )

    def mark_verified(
        self,
        backup_id: str,
        file_name: str,
        created_at: datetime,
        last_seq: int,
        ok: bool,
        at: datetime,
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO backups(backup_id, file_name, created_at, last_seq, verified_at, "
                "verified_ok) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(backup_id) DO UPDATE SET "
                "verified_at = excluded.verified_at, verified_ok = excluded.verified_ok",
                (backup_id, file_name, created_at.isoformat(), last_seq, at.isoformat(), int(ok)),
            )

    def backups(self) -> list[BackupRecord]:
        rows = self._db.connection().execute(
            "SELECT backup_id, file_name, created_at, last_seq, verified_at, verified_ok "
            "FROM backups ORDER BY created_at DESC"
        )
        return [
            BackupRecord(
                str(r[0]),
                str(r[1]),
                datetime.fromisoformat(str(r[2])),
                int(r[3]),
                _when(r[4]),
                None if r[5] is None else bool(r[5]),
            )
            for r in rows
        ]

    def last_verified_backup(self) -> BackupRecord | None:
        for record in self.backups():
            if record.verified_ok:
                return record
        return None

    # -- breach risk assessments -------------------------------------------------------

    def save_risk_assessment(self, record: RiskAssessmentRecord) -> None:
        """Insert, or update the assessment already saved for the same scope."""
        r = record
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO breach_risk_assessments({_RISK_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE "
                "SET discovered = excluded.discovered, affected = excluded.affected, "
                "nature = excluded.nature, recipient = excluded.recipient, "
                "acquired = excluded.acquired, mitigation = excluded.mitigation, "
                "conclusion = excluded.conclusion, saved_at = excluded.saved_at, "
                "saved_by = excluded.saved_by",
                (
                    r.assessment_id,
                    r.scope,
                    r.window_start.isoformat(),
                    r.window_end.isoformat(),
                    r.actor_id,
                    r.workstation_id,
                    r.discovered.isoformat(),
                    r.affected,
                    r.nature,
                    r.recipient,
                    r.acquired,
                    r.mitigation,
                    r.conclusion,
                    r.saved_at.isoformat(),
                    r.saved_by,
                ),
            )

    def risk_assessment(self, scope: str) -> RiskAssessmentRecord | None:
        row = (
            self._db.connection()
            .execute(
                f"SELECT {_RISK_COLUMNS} FROM breach_risk_assessments WHERE scope = ?", (scope,)
            )
            .fetchone()
        )
        if row is None:
            return None
        return RiskAssessmentRecord(
            str(row[0]),
            str(row[1]),
            datetime.fromisoformat(str(row[2])),
            datetime.fromisoformat(str(row[3])),
            str(row[4]),
            str(row[5]),
            date.fromisoformat(str(row[6])),
            int(row[7]),
            str(row[8]),
            str(row[9]),
            str(row[10]),
            str(row[11]),
            str(row[12]),
            datetime.fromisoformat(str(row[13])),
            str(row[14]),
        )

    # -- checklist evidence ------------------------------------------------------------

    def add_evidence(self, record: EvidenceRecord) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO checklist_evidence(evidence_id, item_key, done_on, note, "
                "attachment, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.evidence_id,
                    record.item_key,
                    record.done_on.isoformat(),
                    record.note,
                    record.attachment,
                    record.recorded_at.isoformat(),
                    record.recorded_by,
                ),
            )

    def latest_evidence(self) -> dict[str, EvidenceRecord]:
        """The latest evidence recorded for each item, by item key (a withdrawal included:
        see `EvidenceRecord.withdrawn`)."""
        rows = self._db.connection().execute(
            "SELECT evidence_id, item_key, done_on, note, attachment, recorded_at, recorded_by "
            "FROM checklist_evidence ORDER BY recorded_at, rowid"
        )
        latest: dict[str, EvidenceRecord] = {}
        for r in rows:
            latest[str(r[1])] = EvidenceRecord(
                str(r[0]),
                str(r[1]),
                date.fromisoformat(str(r[2])),
                str(r[3]),
                str(r[4]),
                datetime.fromisoformat(str(r[5])),
                str(r[6]),
            )
        return latest
