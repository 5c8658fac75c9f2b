"""The simulator's HTTP side: Open Dental paths, paging with Offset, ODFHIR auth, injected faults."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from services.clock import Clock, SystemClock
from services.pms.simulator.practice import (
    CONFIRM_DEFS,
    CONFIRM_VALS,
    PROGRAM_VERSION,
    SyntheticPractice,
    fmt_dt,
)
from services.retry import pause

API = "/api/v1"


@dataclass
class Fault:
    """Misbehave on the next `times` requests whose path matches `pattern` (a regex).

    kind: "latency" (sleep `seconds`, then answer), "429" (with Retry-After: seconds or
    an HTTP date), "500", "timeout" (hang `seconds` before answering), "malformed" (invalid
    JSON), "truncated" (a body shorter than its Content-Length), "wrongtype" (valid JSON of
    the wrong shape), "disconnect" (close the connection without a word), "applied" (carry
    out the request, then close the connection without answering: a write that landed
    while its answer was lost), "body" (answer `status` with exactly `body`).
    """

    pattern: str
    kind: str
    times: int = 1
    seconds: float = 0.0
    retry_after: int | str = 1
    method: str = ""
    body: bytes = b""
    status: int = 200

    KINDS = frozenset(
        {"latency", "429", "500", "timeout", "malformed", "truncated", "wrongtype"}
        | {"disconnect", "applied", "body"}
    )

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(self.KINDS)}")
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"the pattern is not a regular expression: {exc}") from None

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """PATTERN:KIND[:TIMES[:SECONDS]] from the command line (the pattern may hold ':')."""
        parts = spec.split(":")
        at = max((i for i, part in enumerate(parts) if part in cls.KINDS and i > 0), default=0)
        numbers = parts[at + 1 :]
        if not at or len(numbers) > 2:
            raise ValueError("a fault is PATTERN:KIND[:TIMES[:SECONDS]]")
        return cls(
            ":".join(parts[:at]),
            parts[at],
            times=int(numbers[0]) if numbers and numbers[0] else 1_000_000,
            seconds=float(numbers[1]) if len(numbers) > 1 and numbers[1] else 1.0,
        )

    def matches(self, method: str, path: str) -> bool:
        return (
            self.times > 0
            and (not self.method or self.method == method)
            and bool(re.search(self.pattern, path))
        )


class SimulatorServer:
    """Start with `start()`; `url` is the API base (…/api/v1). Thread-safe; stop() to end."""

    def __init__(
        self,
        practice: SyntheticPractice | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        developer_key: str = "sim-developer-key",
        customer_key: str = "sim-customer-key",
        page_size: int = 100,
        clock: Clock | None = None,
        on_change: Callable[[SyntheticPractice], None] | None = None,
    ) -> None:
        self.clock: Clock = clock or (practice.clock if practice else SystemClock())
        self.practice = practice or SyntheticPractice(
            today=self.clock.now().astimezone().date(), clock=self.clock
        )
        self.practice.clock = self.clock
        self.developer_key = developer_key
        self.customer_key = customer_key
        self.page_size = page_size
        self.on_change = on_change  # after each accepted write, under the practice's lock
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []  # (method, path with query), for tests
        # Each request's (method, path, begun, ended), numbered on one counter of beginnings
        # and ends, so tests see which requests were in flight together without a clock.
        self.spans: list[tuple[str, str, int, int]] = []
        self.in_flight = 0
        self.peak_in_flight = 0  # the most requests being answered at once
        self._events = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.connections: set[socket.socket] = set()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{API}"

    def start(self) -> SimulatorServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits up to one interval
            name="pms-sim",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop like a crashed server: the listener and every kept-alive connection close."""
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.connections.clear()

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def log(self, method: str, path: str) -> int:
        """Record a request as begun; returns its beginning for `ended`."""
        with self._lock:
            self.requests.append((method, path))
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            self._events += 1
            return self._events

    def ended(self, method: str, path: str, begun: int) -> None:
        with self._lock:
            self.in_flight -= 1
            self._events += 1
            self.spans.append((method, path, begun, self._events))


def _handler_for(server: SimulatorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: no request lines
            return

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes; without this, Nagle's algorithm
            # and delayed ACKs add ~40 ms to every request on a kept-alive connection.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with server._lock:
                server.connections.add(self.request)

        def finish(self) -> None:
            with server._lock:
                server.connections.discard(self.request)
            try:
                super().finish()
            except OSError:
                pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _send(
            self,
            status: int,
            body: bytes,
            headers: dict[str, str] | None = None,
            length: int | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if status < 400 else "text/plain")
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            if length is not None and length > len(body):
                self.close_connection = True

        def _serve(self, method: str) -> None:
            path = self.path
            begun = server.log(method, path)
            try:
                self._answer(method)
            finally:
                server.ended(method, path, begun)

        def _answer(self, method: str) -> None:
            # Read the body first: an answer that leaves it unread would corrupt the next
            # request on a kept-alive connection.
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            fault = server.take_fault(method, self.path)
            if fault is not None:
                if fault.kind in ("latency", "timeout"):
                    pause(fault.seconds)
                elif fault.kind == "429":
                    self._send(429, b"Too many requests", {"Retry-After": str(fault.retry_after)})
                    return
                elif fault.kind == "500":
                    self._send(500, b"Internal server error")
                    return
                elif fault.kind == "malformed":
                    self._send(200, b'[{"AptNum": 12, "PatNum": ')
                    return
                elif fault.kind == "truncated":
                    self._send(200, b'[{"AptNum": 1}', length=4096)
                    return
                elif fault.kind == "wrongtype":
                    self._send(200, b'{"AptNum": "twelve", "unexpected": true}')
                    return
                elif fault.kind == "disconnect":
                    self.close_connection = True
                    self.request.shutdown(socket.SHUT_RDWR)
                    return
                elif fault.kind == "body":
                    self._send(fault.status, fault.body)
                    return
            expected = f"ODFHIR {server.developer_key}/{server.customer_key}"
            if self.headers.get("Authorization") != expected:
                self._send(401, b"Unauthorized: invalid ODFHIR authorization header")
                return
            try:
                payload = json.loads(raw) if raw else {}
            except ValueError:
                self._send(400, b"Bad Request: body is not JSON")
                return
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                status, body, headers = _route(server, method, url.path, query, payload)
            except (ValueError, KeyError, TypeError) as exc:
                self._send(400, f"Bad Request: {type(exc).__name__}".encode())
                return
            if fault is not None and fault.kind == "applied":
                self.close_connection = True
                self.request.shutdown(socket.SHUT_RDWR)
                return
            if isinstance(body, bytes):
                self._send(status, body, headers)
            else:
                self._send(status, json.dumps(body).encode(), headers)

    return Handler


def _page(server: SimulatorServer, items: list[Any], query: dict[str, str]) -> list[Any]:
    offset = int(query.get("Offset", "0") or 0)
    limit = min(int(query.get("Limit", "0") or 0) or server.page_size, server.page_size)
    if offset < 0 or limit < 0:
        raise ValueError("Offset and Limit must not be negative")
    return items[offset : offset + limit]


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _now(p: SyntheticPractice) -> str:
    # The server's clock as local wall time (what Open Dental reports), not the practice's
    # "today": `pms check` compares clocks with it.
    return fmt_dt(p.clock.now().astimezone().replace(tzinfo=None))


def _stamped(p: SyntheticPractice, record: dict[str, Any]) -> dict[str, Any]:
    return {"serverDateTime": _now(p), **record}


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


PATIENT_LIST_FIELDS = (
    "PatNum", "LName", "FName", "MiddleI", "Preferred", "PatStatus", "Birthdate", "SSN",
    "Address", "Address2", "City", "State", "Zip", "HmPhone", "WkPhone", "WirelessPhone",
    "Email", "priProvAbbr", "secProvAbbr", "BillingType", "ChartNumber", "ClinicNum",
    "clinicAbbr", "siteDesc", "TxtMsgOk",
)  # fmt: skip
APT_STATUSES = (
    "Scheduled", "Complete", "UnschedList", "ASAP", "Broken", "Planned", "PtNote",
    "PtNoteCompleted",
)  # fmt: skip
Answer = tuple[int, Any, dict[str, str] | None]


def _bad(text: str) -> Answer:
    return 400, f"Bad Request: {text}".encode(), None


def _missing(text: str) -> Answer:
    return 404, f"Not Found: {text}".encode(), None


def _pattern(value: Any) -> str:
    pattern = str(value)
    if not pattern or set(pattern) - {"X", "/"}:
        raise ValueError("Pattern")
    return pattern[:108]  # 9 hours


def _route(
    server: SimulatorServer, method: str, path: str, q: dict[str, str], body: dict[str, Any]
) -> Answer:
    p = server.practice
    if not path.startswith(API):
        return _missing("no such path")
    path = path[len(API) :].rstrip("/")
    # They import this module's helpers.
    from services.pms.simulator import coverage, office, scheduling

    with p.lock:
        answer = (
            scheduling.route(server, method, path, q, body)
            or office.route(server, method, path, q, body)
            or coverage.route(server, method, path, q, body)
        )
        if answer is not None:
            pass
        elif method == "GET":
            answer = _get(server, p, path, q)
        elif method == "PUT":
            answer = _put(p, path, body)
        elif method == "POST":
            answer = _post(server, p, path, body)
        else:
            answer = None
        if answer is not None and method != "GET" and answer[0] < 300 and server.on_change:
            server.on_change(p)
    return answer or _missing("no such path")


def _get(
    server: SimulatorServer, p: SyntheticPractice, path: str, q: dict[str, str]
) -> Answer | None:
    if path == "/providers":
        return 200, _page(server, [_stamped(p, x) for x in p.providers], q), None
    m = re.fullmatch(r"/providers/(\d+)", path)
    if m:
        found = next((x for x in p.providers if x["ProvNum"] == int(m.group(1))), None)
        return (200, _stamped(p, found), None) if found else _missing("provider")
    if path == "/operatories":
        return 200, _page(server, p.operatories, q), None
    m = re.fullmatch(r"/operatories/(\d+)", path)
    if m:
        found = next((x for x in p.operatories if x["OperatoryNum"] == int(m.group(1))), None)
        return (200, found, None) if found else _missing("operatory")
    if path == "/appointments/ASAP":
        if p.clinics and "ClinicNum" not in q:  # "Required only if Clinics are enabled"
            return _bad("ClinicNum is required when clinics are enabled")
        items = [
            _stamped(p, a)
            for a in sorted(p.appointments.values(), key=lambda a: a["AptNum"])
            if a["Priority"] == "ASAP"
            and a["AptStatus"] in ("Scheduled", "UnschedList")
            and ("ProvNum" not in q or str(a["ProvNum"]) == q["ProvNum"])
            and ("ClinicNum" not in q or str(a["ClinicNum"]) == q["ClinicNum"])
        ]
        return 200, _page(server, items, q), None
    if path == "/appointments":
        items = list(p.appointments.values())
        if "date" in q:
            items = [a for a in items if a["AptDateTime"][:10] == _d(q["date"]).isoformat()]
        if "dateStart" in q:
            items = [a for a in items if a["AptDateTime"][:10] >= _d(q["dateStart"]).isoformat()]
        if "dateEnd" in q:
            items = [a for a in items if a["AptDateTime"][:10] <= _d(q["dateEnd"]).isoformat()]
        if "AptStatus" in q and q["AptStatus"] not in APT_STATUSES:
            return _bad("AptStatus is not valid")
        for key in ("AptStatus", "Op", "PatNum", "ClinicNum", "AppointmentTypeNum"):
            if key in q:
                items = [a for a in items if str(a[key]) == q[key]]
        if "DateTStamp" in q:  # "altered after the specified date and time"
            since = q["DateTStamp"] if len(q["DateTStamp"]) > 10 else q["DateTStamp"] + " 00:00:00"
            datetime.strptime(since, "%Y-%m-%d %H:%M:%S")
            items = [a for a in items if a["DateTStamp"] >= since]
        items.sort(key=lambda a: a["AptNum"])
        return 200, _page(server, [_stamped(p, a) for a in items], q), None
    m = re.fullmatch(r"/appointments/(\d+)", path)
    if m:
        apt = p.appointments.get(int(m.group(1)))
        return (200, _stamped(p, apt), None) if apt else _missing("appointment")
    m = re.fullmatch(r"/patients/(\d+)", path)
    if m:
        patient = p.patients.get(int(m.group(1)))
        return (200, patient, None) if patient else _missing("patient")
    if path in ("/patients", "/patients/Simple"):
        items = list(p.patients.values())
        for key in ("LName", "FName", "Email"):
            if key in q:
                needle = q[key].lower()
                items = [x for x in items if needle in str(x[key]).lower()]
        if "Birthdate" in q:
            items = [x for x in items if x["Birthdate"] == _d(q["Birthdate"]).isoformat()]
        if "Phone" in q and path == "/patients":
            needle = _digits(q["Phone"])
            items = [
                x
                for x in items
                if needle
                and any(needle in _digits(x[k]) for k in ("HmPhone", "WkPhone", "WirelessPhone"))
            ]
        if path == "/patients":
            shaped = [{k: x[k] for k in PATIENT_LIST_FIELDS} for x in items]
        else:
            shaped = [_stamped(p, x) for x in items]
        return 200, _page(server, shaped, q), None
    if path == "/recalls":
        items = [r for r in p.recalls if "PatNum" not in q or str(r["PatNum"]) == q["PatNum"]]
        return 200, _page(server, items, q), None
    if path == "/recalls/List":
        return 200, _page(server, p.recall_list(q.get("DateStart"), q.get("DateEnd")), q), None
    if path == "/recalltypes":
        return 200, _page(server, p.recall_types, q), None
    m = re.fullmatch(r"/familymodules/(\d+)/Insurance", path)
    if m:
        pat_num = int(m.group(1))
        if pat_num not in p.patients:
            return _missing("patient")
        return 200, p.family_insurance(pat_num), None
    if path == "/apptfields":
        if "AptNum" not in q or "FieldName" not in q:
            return _bad("AptNum and FieldName are required")
        apt_num = int(q["AptNum"])
        if apt_num not in p.appointments:
            return _missing("appointment")
        value = p.appt_fields.get((apt_num, q["FieldName"]), "")
        return 200, {"FieldName": q["FieldName"], "AptNum": apt_num, "FieldValue": value}, None
    if path == "/preferences":
        prefs = [
            {"PrefNum": 1, "PrefName": "ProgramVersion", "ValueString": PROGRAM_VERSION},
            {"PrefNum": 15, "PrefName": "RecallDaysPast", "ValueString": "365"},
            {"PrefNum": 16, "PrefName": "RecallDaysFuture", "ValueString": "7"},
        ]
        if "PrefName" in q:
            prefs = [x for x in prefs if x["PrefName"] == q["PrefName"]]
        return 200, _page(server, prefs, q), None
    return None


def _put(p: SyntheticPractice, path: str, body: dict[str, Any]) -> Answer | None:
    if path == "/apptfields":
        for key in ("AptNum", "FieldName", "FieldValue"):
            if key not in body:
                return _bad(f"{key} is required")
        apt_num = int(body["AptNum"])
        if apt_num not in p.appointments:
            return _missing("appointment")
        if body["FieldName"] not in {d["FieldName"] for d in p.appt_field_defs}:
            return _bad("FieldName is not an Appointment Field Def")
        p.appt_fields[(apt_num, str(body["FieldName"]))] = str(body["FieldValue"])
        return 200, b"", None
    m = re.fullmatch(r"/appointments/(\d+)(/(Break|Confirm|Note))?", path)
    if not m:
        return None
    apt = p.appointments.get(int(m.group(1)))
    if apt is None:
        return _missing("appointment")
    action = m.group(3)
    if action == "Break":
        flag = str(body.get("sendToUnscheduledList", "")).lower()
        if flag not in ("true", "false"):
            return _bad("sendToUnscheduledList is required")
        if apt["AptStatus"] != "Scheduled":
            return _bad("only a Scheduled appointment can be broken")
        apt["AptStatus"] = "UnschedList" if flag == "true" else "Broken"
    elif action == "Confirm":
        if "confirmVal" in body:
            if body["confirmVal"] not in CONFIRM_VALS:
                return _bad("confirmVal is not valid")
            def_num = CONFIRM_VALS[body["confirmVal"]]
        elif "defNum" in body and int(body["defNum"]) in CONFIRM_DEFS:
            def_num = int(body["defNum"])
        else:
            return _bad("confirmVal or defNum is required")
        apt["Confirmed"], apt["confirmed"] = def_num, CONFIRM_DEFS[def_num]
    elif action == "Note":
        if "Note" not in body:
            return _bad("Note is required")
        apt["Note"] = f"{apt['Note']}\r\n{body['Note']}" if apt["Note"] else str(body["Note"])
    else:
        changes: dict[str, Any] = {}
        if "AptDateTime" in body:
            datetime.strptime(body["AptDateTime"], "%Y-%m-%d %H:%M:%S")
            changes["AptDateTime"] = body["AptDateTime"]
        if "AptStatus" in body:
            if body["AptStatus"] not in APT_STATUSES or body["AptStatus"] == "ASAP":
                return _bad("AptStatus is not valid")
            changes["AptStatus"] = body["AptStatus"]
        for key in ("Op", "ProvNum", "ProvHyg", "ClinicNum", "AppointmentTypeNum"):
            if key in body:
                changes[key] = int(body[key])
        if "Pattern" in body:
            changes["Pattern"] = _pattern(body["Pattern"])
        for key in ("Note", "Priority", "IsHygiene"):
            if key in body:
                changes[key] = str(body[key])
        if "ProvNum" in changes:
            changes["provAbbr"] = p._abbr(changes["ProvNum"])
        apt.update(changes)
        apt["DateTStamp"] = _now(p)
        return 200, apt, None
    apt["DateTStamp"] = _now(p)
    return 200, b"", None


def _post(
    server: SimulatorServer, p: SyntheticPractice, path: str, body: dict[str, Any]
) -> Answer | None:
    if path != "/appointments":
        return None
    for key in ("PatNum", "Op", "AptDateTime"):
        if key not in body:
            return _bad(f"{key} is required")
    pat_num, op = int(body["PatNum"]), int(body["Op"])
    start = datetime.strptime(body["AptDateTime"], "%Y-%m-%d %H:%M:%S")
    patient = p.patients.get(pat_num)
    if patient is None:
        return _missing("patient")
    if not any(o["OperatoryNum"] == op for o in p.operatories):
        return _bad("Op is not valid")
    pattern = _pattern(body.get("Pattern", "/XX/"))
    apt_num = max(p.appointments) + 1
    apt = p._appointment(
        apt_num,
        pat_num,
        start,
        1,
        op,
        int(body.get("ProvNum", patient["PriProv"])),
        str(body.get("AptStatus", "Scheduled")),
        "",
        str(body.get("IsHygiene", "false")).lower() == "true",
        confirmed=False,
        asap=str(body.get("Priority", "Normal")) == "ASAP",
    )
    clinic = body.get("ClinicNum")
    apt.update(
        {
            # "Default to op.ClinicNum if they have one set. Otherwise … patient.ClinicNum."
            "ClinicNum": int(clinic)
            if clinic is not None
            else (p.clinic_of_op(op) or int(patient["ClinicNum"])),
            "AppointmentTypeNum": int(body.get("AppointmentTypeNum", 0)),
            "IsNewPatient": str(body.get("IsNewPatient", "false")).lower(),
            "colorOverride": str(body.get("colorOverride", "0,0,0")),
            "Pattern": pattern,
            "PatternSecondary": "/" * len(pattern),
            "ProvHyg": int(body.get("ProvHyg", 0)),
            "Note": str(body.get("Note", "")),
            "DateTStamp": _now(p),
        }
    )
    p.appointments[apt_num] = apt
    return 201, apt, {"Location": f"{server.url}/appointments/{apt_num}"}
