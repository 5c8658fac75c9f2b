"""Waitlist: the PMS's ASAP list and Enamel's own, matched against open slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.access import Actor, Purpose, require_read
from services.audit import RecordKind, Touched
from services.pms.records import Appointment, OpenSlot
from services.workflows.booking import BookingCheck, BookingRequest, BookingService
from services.workflows.context import DeskContext
from services.workflows.guard import require_write
from services.workflows.waitlist_match import Offer, Slot, Wish, fits, match

PURPOSE = Purpose.WAITLIST


@dataclass(frozen=True)
class WaitlistEntry:
    wish: Wish
    patient_name: str
    source: str  # "ASAP list (PMS)" or "Enamel waitlist"
    appointment: Appointment | None = None  # the ASAP list's own appointment, moved when booked


def _t(text: str) -> time | None:
    return time.fromisoformat(text) if text else None


class WaitlistService:
    def __init__(self, ctx: DeskContext, booking: BookingService) -> None:
        self._ctx = ctx
        self._booking = booking

    def entries(self, actor: Actor) -> list[WaitlistEntry]:
        def fetch() -> list[WaitlistEntry]:
            found: list[WaitlistEntry] = []
            for a in self._ctx.pms.asap_list(PURPOSE):
                found.append(
                    WaitlistEntry(
                        Wish(
                            f"asap_{a.apt_num}",
                            a.pat_num,
                            a.appointment_type or "",
                            a.minutes,
                            prov_num=a.prov_num,
                            added_at=a.start,
                        ),
                        a.patient_name or "",
                        "ASAP list (PMS)",
                        a,
                    )
                )
            own = self._ctx.repo.open_wishes()
            names = {}
            if own:
                for p in {int(w["pat_num"]) for w in own}:
                    names[p] = (
                        self._ctx.pms.patient_contact(PURPOSE, p).name or "(name not available)"
                    )
            for w in own:
                days = frozenset(int(d) for d in str(w["preferred_days"]).split(",") if d)
                # Stored as an aware UTC instant; the ASAP list's times are the PMS's naive
                # wall-clock times, and both are ordered together: compare like with like.
                added = datetime.fromisoformat(str(w["added_at"]))
                if added.tzinfo is not None:
                    added = self._ctx.calendar.local(added).replace(tzinfo=None)
                found.append(
                    WaitlistEntry(
                        Wish(
                            f"wl_{w['id']}",
                            int(w["pat_num"]),
                            str(w["procedure_type"]),
                            int(w["length_minutes"]),
                            days,
                            _t(str(w["preferred_from"])),
                            _t(str(w["preferred_to"])),
                            int(w["prov_num"]) if w["prov_num"] else None,
                            added,
                        ),
                        names[int(w["pat_num"])],
                        "Enamel waitlist",
                    )
                )
            return found

        return self._ctx.gateway.read(
            actor,
            PURPOSE,
            "waitlist_view",
            fetch,
            lambda es: [Touched(RecordKind.WAITLIST, e.wish.key, e.wish.pat_num) for e in es],
            resource_type="waitlist",
            listed=True,
        )

    def add(
        self,
        actor: Actor,
        pat_num: int,
        procedure_type: str,
        length_minutes: int,
        preferred_days: frozenset[int] = frozenset(),
        preferred_from: time | None = None,
        preferred_to: time | None = None,
        prov_num: int | None = None,
    ) -> int:
        require_write(self._ctx, actor, PURPOSE, "waitlist_add", resource_type="waitlist")
        wish_id = self._ctx.repo.add_wish(
            {
                "pat_num": pat_num,
                "procedure_type": procedure_type,
                "length_minutes": length_minutes,
                "preferred_days": ",".join(str(d) for d in sorted(preferred_days)),
                "preferred_from": preferred_from.isoformat() if preferred_from else "",
                "preferred_to": preferred_to.isoformat() if preferred_to else "",
                "prov_num": prov_num,
                "added_by": actor.actor_id,
                "added_at": self._ctx.clock.now().isoformat(),
            }
        )
        self._ctx.gateway.record(
            actor,
            "waitlist_add",
            purpose=PURPOSE,
            resource_type="waitlist",
            kind=RecordKind.WAITLIST,
            record_number=f"wl_{wish_id}",
            patient_number=pat_num,
        )
        return wish_id

    def offers(
        self, actor: Actor, entries: list[WaitlistEntry], start: date, days: int = 7
    ) -> list[Offer]:
        """Open slots in the coming days, each with the waiting patients it would suit, and
        only where the booking check passes (provider and hygienist free in every chair, the
        chair's kind, office hours): Open Dental's slots know nothing of the other chairs."""
        require_read(actor, PURPOSE, self._ctx.clock.now())
        shortest = min((e.wish.length_minutes for e in entries), default=30)
        # Slots without a ProvNum answer for the practice default provider only: ask for each.
        providers = [p.prov_num for p in self._ctx.pms.providers() if not p.is_hidden]
        slots: list[OpenSlot] = [
            slot
            for prov in providers
            for slot in self._ctx.pms.open_slots(
                start, start + timedelta(days=days), shortest, prov_num=prov
            )
        ]
        found = match(
            [e.wish for e in entries], [Slot(s.start, s.end, s.prov_num, s.op_num) for s in slots]
        )
        by_key = {e.wish.key: e for e in entries}
        checks = self._booking.check_many(
            actor, [self.request_for(by_key.get(o.wish.key), o) for o in found]
        )
        kept: dict[int, Offer] = {}
        shifted: list[tuple[int, Offer]] = []
        for i, (offer, check) in enumerate(zip(found, checks, strict=True)):
            if check.ok:
                kept[i] = offer
            elif check.free_from is not None and check.free_until is not None:
                # The free time of the chair and the people inside the slot, if the wish fits.
                free = Slot(
                    max(offer.slot.start, check.free_from),
                    min(offer.slot.end, check.free_until),
                    offer.slot.prov_num,
                    offer.slot.op_num,
                )
                start_ = fits(offer.wish, free) if free.start < free.end else None
                if start_ is not None:
                    shifted.append((i, Offer(offer.wish, offer.slot, start_)))
        again = self._booking.check_many(
            actor, [self.request_for(by_key.get(o.wish.key), o) for _, o in shifted]
        )
        for (i, offer), check in zip(shifted, again, strict=True):
            if check.ok:
                kept[i] = offer
        return [kept[i] for i in sorted(kept)]

    def request_for(self, entry: WaitlistEntry | None, offer: Offer) -> BookingRequest:
        """What booking `offer` asks: a new visit of the chair's kind, or the ASAP list's
        own appointment moved there with its dentist, hygienist and kind."""
        a = entry.appointment if entry else None
        if a is not None:
            return BookingRequest(
                offer.start, a.minutes, offer.slot.op_num, a.prov_num, a.prov_hyg or 0,
                bool(a.is_hygiene), a.apt_num,
            )  # fmt: skip
        return self._booking.request_in(
            offer.start, offer.wish.length_minutes, offer.slot.op_num, offer.slot.prov_num
        )

    def check(self, actor: Actor, request: BookingRequest) -> BookingCheck:
        require_read(actor, PURPOSE, self._ctx.clock.now())
        return self._booking.check(actor, request)

    def book(self, actor: Actor, entry: WaitlistEntry, request: BookingRequest) -> int:
        """The waiting patient booked at `request` through the booking checks: the ASAP
        list's appointment is moved there; an Enamel wish becomes a new appointment and
        leaves the list. The AptNum booked, or 0 when Open Dental cannot be reached and the
        booking is kept for the "pms_writes" job (the wish leaves the list when it lands)."""
        if entry.appointment is not None:
            landed = self._booking.move(  # booked: off the ASAP list (Priority Normal)
                actor, PURPOSE, entry.appointment, request, action="waitlist_book",
                priority="Normal",
            )  # fmt: skip
            return entry.appointment.apt_num if landed else 0
        return self._booking.book(
            actor,
            PURPOSE,
            entry.wish.pat_num,
            request,
            wish_id=int(entry.wish.key.removeprefix("wl_")),
        )
