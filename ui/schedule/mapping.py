"""From the PMS's appointments to the grid's blocks: the day by operatory, a provider's week."""

from __future__ import annotations

from datetime import date, timedelta

from services.pms.records import Appointment, Operatory
from ui.schedule.model import Block, Column, DayModel


def block(a: Appointment, column: int) -> Block:
    """Names for the roles that read them; the procedure alone for the others."""
    show_names = a.patient_name is not None
    title = (a.patient_name or "Patient") if show_names else (a.appointment_type or "Appointment")
    detail = " · ".join(x for x in (a.appointment_type if show_names else "", a.phone or "") if x)
    return Block(
        a.apt_num,
        column,
        a.start,
        a.minutes,
        title,
        detail,
        a.status.value,
        bool(a.confirmed),
        prov_num=a.prov_num,
    )


def day_model(day: date, operatories: list[Operatory], appointments: list[Appointment]) -> DayModel:
    columns = [Column(o.op_num, o.name) for o in operatories if not o.is_hidden]
    model = DayModel(day, columns, [block(a, a.op_num) for a in appointments])
    model.fit_hours()
    return model


def week_model(any_day: date, appointments: list[Appointment]) -> DayModel:
    """Monday to Friday of `any_day`'s week, a column a day."""
    monday = any_day - timedelta(days=any_day.weekday())
    columns = [Column(i, f"{monday + timedelta(days=i):%a %d %b}") for i in range(5)]
    blocks = [block(a, a.start.weekday()) for a in appointments if a.start.weekday() < 5]
    model = DayModel(monday, columns, blocks)
    model.fit_hours()
    return model
