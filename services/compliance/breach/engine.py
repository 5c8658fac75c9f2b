"""The alert engine: runs the breach rules over entries as they are written and on a schedule."""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from services.access import Actor
from services.audit import AuditEntry, AuditEvent, AuditTrail
from services.audit.entry import iso_millis
from services.audit.gateway import LISTED
from services.clock import Clock
from services.compliance.breach.config import RuleConfig
from services.compliance.breach.office_hours import practice_day, within_office_hours
from services.compliance.breach.rules import Rule
from services.compliance.facts import UserFact, UserFacts
from storage.compliance_repo import AlertRecord, ComplianceRepository

log = logging.getLogger("services.compliance.rules")

COMPLIANCE_ACTOR = Actor.system("compliance")
# Entries the compliance tools write themselves: never evaluated, or alerts would feed alerts.
OWN_ACTIONS = frozenset(
    {
        "alert_raised",
        "alert_acknowledged",
        "access_review_signed",
        "patient_access_report",
        "breach_assessment",
        "backup_created",
        "backup_verified",
        "backup_restored",
        "key_rotated",
    }
)


def _when(data: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(data["timestamp"])).astimezone(UTC)


class AlertEngine:
    """Evaluates entries against the rules; stores and audits each new alert.

    Wire it once: `engine.attach()` subscribes to the trail, and the app calls
    `engine.scan(since)` periodically (it finds what a crash or another process missed;
    alerts are deduplicated, so scanning twice raises nothing twice).
    """

    def __init__(
        self,
        trail: AuditTrail,
        repo: ComplianceRepository,
        clock: Clock,
        *,
        config: RuleConfig | Callable[[], RuleConfig] | None = None,
        users: UserFacts | None = None,
    ) -> None:
        self._trail = trail
        self._repo = repo
        self._clock = clock
        self._config = config if config is not None else RuleConfig()
        self._users = users
        self._lock = threading.RLock()
        self._baselines: dict[tuple[str, str], float | None] = {}  # (whose, UTC day)
        self._disabled_cache: tuple[float, dict[str, UserFact]] | None = None
        # Live path: per actor, patient pseudonym -> last time touched within the hour, so
        # an append costs a dictionary update rather than a scan of the hour's entries.
        self._recent: dict[str, dict[str, datetime]] = {}

    # -- wiring ------------------------------------------------------------------------

    def attach(self) -> None:
        self._trail.subscribe(self.on_entries)

    def config(self) -> RuleConfig:
        return self._config() if callable(self._config) else self._config

    # -- evaluation --------------------------------------------------------------------

    def on_entries(self, entries: list[AuditEntry]) -> None:
        self.evaluate(entries, live=True)

    def scan(self, since: datetime, until: datetime | None = None) -> list[AlertRecord]:
        """Evaluate every entry written from `since` (default up to now)."""
        end = (until or self._clock.now()) + timedelta(milliseconds=1)  # rows_between: ts < end
        rows = self._trail.repository.rows_between(iso_millis(since), iso_millis(end))
        raised: list[AlertRecord] = []
        for group in _batches(AuditEntry.from_row(*r) for r in rows):
            raised.extend(self.evaluate(group))
        return raised

    def evaluate(self, entries: Iterable[AuditEntry], *, live: bool = False) -> list[AlertRecord]:
        """`live`: entries just written, in order (the in-memory hour window may be used)."""
        relevant = [
            e
            for e in entries
            if e.data.get("actor_id") != COMPLIANCE_ACTOR.actor_id
            and e.data.get("action") not in OWN_ACTIONS
        ]
        if not relevant:
            return []
        raised: list[AlertRecord] = []
        with self._lock:
            cfg = self.config()
            for group in _batches(relevant):
                raised.extend(self._evaluate_group(cfg, group, live))
        return raised

    def _evaluate_group(
        self, cfg: RuleConfig, group: list[AuditEntry], live: bool
    ) -> list[AlertRecord]:
        """One batch: entries sharing one timestamp."""
        raised: list[AlertRecord] = []
        when = _when(group[0].data)
        by_actor: dict[str, list[AuditEntry]] = {}
        for e in group:
            by_actor.setdefault(str(e.data.get("actor_id", "")), []).append(e)

        for actor_id, items in by_actor.items():
            data = items[0].data
            opened = [e for e in items if is_opened(e)]
            if opened and str(data.get("actor_type")) in cfg.volume_actor_types:
                raised.extend(self._volume(cfg, actor_id, when, opened, live))
            exports = [e for e in items if cfg.is_export(e.data)]
            raised.extend(self._after_hours(cfg, actor_id, when, opened, exports))
            if exports and cfg.office_hours is None:  # no hours to judge by: every export
                raised.extend(
                    self._raise(
                        Rule.EXPORT,
                        actor_id,
                        when,
                        cfg.export_window,
                        f"Exported data ({_action(exports[0])}).",
                        exports,
                    )
                )
            glass = [e for e in items if cfg.break_glass_flag in (e.data.get("flags") or [])]
            if glass:
                raised.extend(
                    self._raise(
                        Rule.BREAK_GLASS,
                        actor_id,
                        when,
                        cfg.break_glass_window,
                        "Used emergency access (break-glass).",
                        glass,
                    )
                )
            raised.extend(self._disabled(cfg, actor_id, when, items))

        if any(cfg.is_sign_in_failure(e.data) for e in group):
            raised.extend(self._failed_sign_ins(cfg, when, group))
        return raised

    # -- the rules -----------------------------------------------------------------------

    def _distinct_live(self, actor_id: str, when: datetime, items: list[AuditEntry]) -> int:
        """Distinct patients whose records `actor_id` opened in the hour up to `when`."""
        hour = timedelta(hours=1)
        seen = self._recent.get(actor_id)
        if seen is None:  # first sight since start: prime from the trail (other processes too)
            seen = {
                ref: datetime.fromisoformat(ts).astimezone(UTC)
                for ref, ts in self._repo.recent_patients(
                    actor_id, iso_millis(when - hour), iso_millis(when)
                )
            }
            self._recent[actor_id] = seen
        for e in items:
            seen[str(e.data["patient_id"])] = when
        cutoff = when - hour
        for ref in [r for r, t in seen.items() if t <= cutoff]:
            del seen[ref]
        return len(seen)

    def _volume(
        self,
        cfg: RuleConfig,
        actor_id: str,
        when: datetime,
        items: list[AuditEntry],
        live: bool = False,
    ) -> list[AlertRecord]:
        """Records opened in the hour against the fixed limit and against the usual.

        The usual is that person's average per active hour and their role's (everyone with
        the role); only a count above both, when known, is unusual. One alert an hour at
        most, whichever of the two volume rules raised it.
        """
        hour = timedelta(hours=1)
        if live:
            count = self._distinct_live(actor_id, when, items)
        else:
            count = self._repo.distinct_patients(
                actor_id, iso_millis(when - hour), iso_millis(when)
            )
        both = (Rule.PATIENT_VOLUME.value, Rule.PATIENT_VOLUME_BASELINE.value)
        if count > cfg.patients_per_hour:
            return self._raise(
                Rule.PATIENT_VOLUME,
                actor_id,
                when,
                hour,
                f"Opened the records of {count} distinct patients within an hour "
                f"(limit {cfg.patients_per_hour}).",
                items,
                count=count,
                also=both,
            )
        if count <= cfg.baseline_minimum:
            return []
        usual = self._usual(cfg, actor_id, when)
        if usual is None or count <= cfg.baseline_multiplier * usual[0]:
            return []
        return self._raise(
            Rule.PATIENT_VOLUME_BASELINE,
            actor_id,
            when,
            hour,
            f"Opened the records of {count} distinct patients within an hour; {usual[1]}.",
            items,
            count=count,
            also=both,
        )

    def _usual(self, cfg: RuleConfig, actor_id: str, when: datetime) -> tuple[float, str] | None:
        """The larger of the person's and the role's usual hour, and how to say it."""
        known: list[tuple[float, str]] = []
        mine = self._baseline(cfg, actor_id, when)
        if mine is not None:
            known.append((mine, f"their usual is {mine:.1f} an active hour"))
        role, others = self._role_of(actor_id)
        if role:
            theirs = self._baseline(cfg, others, when, key=f"role:{role}")
            if theirs is not None:
                label = role.replace("_", " ")
                known.append((theirs, f"the {label} role's usual is {theirs:.1f}"))
        if not known:
            return None
        top = max(known, key=lambda k: k[0])
        return top[0], " and ".join(k[1] for k in known) + f" over {cfg.baseline_days} days"

    def _role_of(self, actor_id: str) -> tuple[str, tuple[str, ...]]:
        """The actor's role and every account that has it (from the account directory)."""
        if self._users is None:
            return "", ()
        users = self._users.users()
        role = next((u.role for u in users if u.user_id == actor_id), "")
        return role, tuple(sorted(u.user_id for u in users if u.role == role)) if role else ()

    def _baseline(
        self,
        cfg: RuleConfig,
        actor_ids: str | tuple[str, ...],
        when: datetime,
        *,
        key: str | None = None,
    ) -> float | None:
        """Average distinct patients opened per active hour over the past days; cached per day."""
        cache_key = (key or str(actor_ids), when.date().isoformat())
        if cache_key not in self._baselines:
            day_start = datetime.combine(when.date(), time(0), UTC)
            hours = self._repo.hourly_distinct_patients(
                actor_ids,
                iso_millis(day_start - timedelta(days=cfg.baseline_days)),
                iso_millis(day_start),
            )
            self._baselines[cache_key] = (
                sum(hours) / len(hours) if len(hours) >= cfg.baseline_min_hours else None
            )
        return self._baselines[cache_key]

    def _after_hours(
        self,
        cfg: RuleConfig,
        actor_id: str,
        when: datetime,
        opened: list[AuditEntry],
        exports: list[AuditEntry],
    ) -> list[AlertRecord]:
        """Records opened or data exported outside office hours, once a person a practice day.

        A sign-in or a schedule shown out of hours is recorded but is no alert by itself:
        someone checking tomorrow's list is normal work; opening records or exporting is not.
        An export out of hours is its own alert (an export in hours is normal work).
        """
        if cfg.office_hours is None:
            return []
        human = [
            e
            for e in (*opened, *exports)
            if e.data.get("actor_type") == "human" and e.data.get("outcome") == "success"
        ]
        if not human or within_office_hours(cfg.office_hours, when, cfg.timezone):
            return []
        local = when.astimezone(cfg.timezone)
        day = practice_day(when, cfg.timezone)  # once per actor per practice day
        out = [e for e in human if cfg.is_export(e.data)]
        if out:
            return self._raise(
                Rule.EXPORT,
                actor_id,
                when,
                None,
                f"Exported data ({_action(out[0])}) at {local:%a %H:%M} (practice time), "
                "outside office hours.",
                out,
                quiet=day,
            )
        return self._raise(
            Rule.AFTER_HOURS,
            actor_id,
            when,
            None,
            f"Opened patient records at {local:%a %H:%M} (practice time), outside office hours.",
            human,
            quiet=day,
        )

    def _failed_sign_ins(
        self, cfg: RuleConfig, when: datetime, group: list[AuditEntry]
    ) -> list[AlertRecord]:
        window = cfg.failed_sign_in_window
        bodies = self._repo.entries_between(
            iso_millis(when - window), iso_millis(when), outcome=None
        )
        failures = [d for d in (json.loads(b) for b in bodies) if cfg.is_sign_in_failure(d)]
        raised: list[AlertRecord] = []
        here = [e for e in group if cfg.is_sign_in_failure(e.data)]
        for actor_id in sorted({str(e.data.get("actor_id")) for e in here}):
            count = sum(1 for d in failures if d.get("actor_id") == actor_id)
            if count >= cfg.failed_sign_in_limit:
                raised += self._raise(
                    Rule.FAILED_SIGN_INS,
                    actor_id,
                    when,
                    window,
                    f"{count} failed sign-ins for this account within "
                    f"{int(window.total_seconds() // 60)} minutes.",
                    here,
                    count=count,
                )
        for station in sorted({str(e.data.get("workstation_id")) for e in here}):
            count = sum(1 for d in failures if d.get("workstation_id") == station)
            if count >= cfg.failed_sign_in_limit:
                raised += self._raise(
                    Rule.FAILED_SIGN_INS_WORKSTATION,
                    station,
                    when,
                    window,
                    f"{count} failed sign-ins on this workstation within "
                    f"{int(window.total_seconds() // 60)} minutes.",
                    here,
                    count=count,
                )
        return raised

    def _disabled(
        self, cfg: RuleConfig, actor_id: str, when: datetime, items: list[AuditEntry]
    ) -> list[AlertRecord]:
        if self._users is None:
            return []
        fact = self._disabled_users().get(actor_id)
        if fact is None or (fact.disabled_at is not None and when < fact.disabled_at):
            return []
        active = [e for e in items if e.data.get("outcome") == "success"]
        if not active:
            return []
        return self._raise(
            Rule.DISABLED_ACCOUNT,
            actor_id,
            when,
            cfg.disabled_window,
            f"The disabled account was used ({_action(active[0])}).",
            active,
        )

    def _disabled_users(self) -> dict[str, UserFact]:
        now = self._clock.monotonic()
        cached = self._disabled_cache  # one read: forget_cached_users may run on another thread
        if cached is None or now - cached[0] > 30:
            users = self._users.users() if self._users is not None else []
            cached = (now, {u.user_id: u for u in users if u.disabled})
            self._disabled_cache = cached
        return cached[1]

    def forget_cached_users(self) -> None:
        """Call after an account is disabled or enabled, so the next entry is checked anew."""
        self._disabled_cache = None

    # -- raising ------------------------------------------------------------------------

    def _raise(
        self,
        rule: Rule,
        subject: str,
        when: datetime,
        window: timedelta | None,
        summary: str,
        items: list[AuditEntry],
        *,
        count: int | None = None,
        quiet: tuple[datetime, datetime] | None = None,
        also: tuple[str, ...] = (),
    ) -> list[AlertRecord]:
        if quiet is None:
            span = window or timedelta(hours=1)
            quiet = (when - span + timedelta(microseconds=1), when + span)
        alert = AlertRecord(
            alert_id=f"al_{secrets.token_hex(6)}",
            rule=rule.value,
            severity=rule.severity,
            subject=subject,
            event_at=when,
            raised_at=self._clock.now(),
            summary=summary,
            entry_count=count if count is not None else len(items),
            first_seq=min(e.seq for e in items),
            last_seq=max(e.seq for e in items),
        )
        if not self._repo.insert_alert_unless_recent(alert, *quiet, also=also):
            return []
        self._trail.append(
            AuditEvent(
                action="alert_raised",
                actor=COMPLIANCE_ACTOR,
                resource_type="alert",
                resource_id=alert.alert_id,
                flags=(rule.value, rule.severity),
            )
        )
        log.info("compliance.alert_raised", extra={"action": rule.value, "seq": alert.last_seq})
        return [alert]


def is_opened(entry: AuditEntry) -> bool:
    """A patient's record opened (a look-up, a card, an export, a change), not a list shown."""
    data = entry.data
    return bool(data.get("patient_id")) and LISTED not in (data.get("flags") or ())


def _action(entry: AuditEntry) -> str:
    return str(entry.data.get("action", "")).replace("_", " ")


def _batches(entries: Iterable[AuditEntry]) -> Iterator[list[AuditEntry]]:
    """Consecutive entries with the same timestamp: one append batch."""
    group: list[AuditEntry] = []
    for e in entries:
        if group and e.data.get("timestamp") != group[0].data.get("timestamp"):
            yield group
            group = []
        group.append(e)
    if group:
        yield group
