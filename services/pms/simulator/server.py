"""The simulator's HTTP side: Open Dental paths, paging with Offset, ODFHIR auth, injected faults."""

from __future__ import annotations

import json
import re
import socket
import threading
import time as _time
from dataclasses import dataclass
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from services.pms.simulator.practice import SyntheticPractice, fmt_dt

API = "/api/v1"


@dataclass
class Fault:
    """Misbehave on the next `times` requests whose path matches `pattern` (a regex).

    kind: "latency" (sleep `seconds`, then answer), "429" (with Retry-After), "500",
    "timeout" (sleep `seconds` before answering), "malformed" (invalid JSON), "truncated"
    (a body shorter than its Content-Length), "wrongtype" (valid JSON of the wrong shape).
    """

    pattern: str
    kind: str
    times: int = 1
    seconds: float = 0.0
    retry_after: int = 1
    method: str = ""

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
    ) -> None:
        self.practice = practice or SyntheticPractice(today=date.today())
        self.developer_key = developer_key
        self.customer_key = customer_key
        self.page_size = page_size
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []  # (method, path with query), for tests
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
            target=self._httpd.serve_forever, name="pms-sim", daemon=True
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

    def log(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))


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
            server.log(method, self.path)
            fault = server.take_fault(method, self.path)
            if fault is not None:
                if fault.kind in ("latency", "timeout"):
                    _time.sleep(fault.seconds)
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
            expected = f"ODFHIR {server.developer_key}/{server.customer_key}"
            if self.headers.get("Authorization") != expected:
                self._send(401, b"Unauthorized: invalid ODFHIR authorization header")
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                payload = json.loads(raw) if raw else {}
            except ValueError:
                self._send(400, b"Bad Request: body is not JSON")
                return
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                status, body, headers = _route(server, method, url.path, query, payload)
            except (ValueError, KeyError) as exc:
                self._send(400, f"Bad Request: {type(exc).__name__}".encode())
                return
            if isinstance(body, bytes):
                self._send(status, body, headers)
            else:
                self._send(status, json.dumps(body).encode(), headers)

    return Handler


def _page(server: SimulatorServer, items: list[Any], query: dict[str, str]) -> list[Any]:
    offset = int(query.get("Offset", "0") or 0)
    return items[offset : offset + server.page_size]


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _route(
    server: SimulatorServer, method: str, path: str, q: dict[str, str], body: dict[str, Any]
) -> tuple[int, Any, dict[str, str] | None]:
    p = server.practice
    if not path.startswith(API):
        return 404, b"Not Found", None
    path = path[len(API) :].rstrip("/")
    with p.lock:
        if method == "GET" and path == "/providers":
            return 200, _page(server, p.providers, q), None
        if method == "GET" and path == "/operatories":
            return 200, _page(server, p.operatories, q), None
        if method == "GET" and path == "/appointments/Slots":
            start = _d(q.get("dateStart") or q["date"])
            end = _d(q.get("dateEnd") or q.get("date") or start.isoformat())
            length = int(q.get("lengthMinutes", "30"))
            prov = int(q["ProvNum"]) if "ProvNum" in q else None
            op = int(q["OpNum"]) if "OpNum" in q else None
            return 200, p.open_slots(start, end, length, prov, op), None
        if method == "GET" and path == "/appointments/ASAP":
            items = [
                a
                for a in p.appointments.values()
                if a["Priority"] == "ASAP" and a["AptStatus"] == "Scheduled"
            ]
            return 200, _page(server, items, q), None
        if method == "GET" and path == "/appointments":
            items = list(p.appointments.values())
            if "date" in q:
                items = [a for a in items if a["AptDateTime"][:10] == q["date"]]
            if "dateStart" in q:
                items = [a for a in items if a["AptDateTime"][:10] >= q["dateStart"]]
            if "dateEnd" in q:
                items = [a for a in items if a["AptDateTime"][:10] <= q["dateEnd"]]
            for key, field in (("AptStatus", "AptStatus"), ("Op", "Op"), ("PatNum", "PatNum")):
                if key in q:
                    items = [a for a in items if str(a[field]) == q[key]]
            items.sort(key=lambda a: a["AptNum"])
            return 200, _page(server, items, q), None
        m = re.fullmatch(r"/appointments/(\d+)(/(Break|Confirm|Note))?", path)
        if m:
            apt = p.appointments.get(int(m.group(1)))
            if apt is None:
                return 404, b"Appointment not found", None
            action = m.group(3)
            if method == "GET" and not action:
                return 200, apt, None
            if method == "PUT" and action == "Break":
                if apt["AptStatus"] not in ("Scheduled",):
                    return 400, b"Only a scheduled appointment can be broken", None
                apt["AptStatus"] = "Broken"
                apt["DateTStamp"] = fmt_dt(datetime.now())
                return 200, b"", None
            if method == "PUT" and action == "Confirm":
                apt["confirmed"] = str(body.get("confirmVal", "Appointment Confirmed"))
                apt["Confirmed"] = 19
                return 200, b"", None
            if method == "PUT" and action == "Note":
                apt["Note"] = str(body.get("Note", ""))
                return 200, b"", None
            if method == "PUT" and not action:
                if "AptDateTime" in body:
                    datetime.strptime(body["AptDateTime"], "%Y-%m-%d %H:%M:%S")
                    apt["AptDateTime"] = body["AptDateTime"]
                for key in ("Op", "ProvNum"):
                    if key in body:
                        apt[key] = int(body[key])
                if apt["AptStatus"] in ("Broken", "UnschedList"):
                    apt["AptStatus"] = "Scheduled"
                apt["DateTStamp"] = fmt_dt(datetime.now())
                return 200, apt, None
        if method == "POST" and path == "/appointments":
            pat_num, op = int(body["PatNum"]), int(body["Op"])
            start = datetime.strptime(body["AptDateTime"], "%Y-%m-%d %H:%M:%S")
            if pat_num not in p.patients:
                return 400, b"PatNum is invalid", None
            apt_num = max(p.appointments) + 1
            units = max(1, len(str(body.get("Pattern", "XXXXXX"))))
            apt = p._appointment(
                apt_num,
                pat_num,
                start,
                units,
                op,
                int(body.get("ProvNum", 1)),
                "Scheduled",
                str(body.get("ProcDescript", "")),
                False,
                confirmed=False,
                asap=False,
            )
            p.appointments[apt_num] = apt
            return 201, apt, {"Location": f"{server.url}/appointments/{apt_num}"}
        m = re.fullmatch(r"/patients/(\d+)", path)
        if m and method == "GET":
            patient = p.patients.get(int(m.group(1)))
            return (200, patient, None) if patient else (404, b"Patient not found", None)
        if method == "GET" and path == "/patients/Simple":
            items = list(p.patients.values())
            for key in ("LName", "FName", "HmPhone", "Birthdate", "Email"):
                if key in q:
                    needle = q[key].lower()
                    items = [x for x in items if needle in str(x[key]).lower()]
            simple = [
                {
                    k: x[k]
                    for k in (
                        "PatNum",
                        "LName",
                        "FName",
                        "MiddleI",
                        "Preferred",
                        "Birthdate",
                        "HmPhone",
                        "WkPhone",
                        "WirelessPhone",
                        "Email",
                        "PatStatus",
                    )
                }
                for x in items
            ]
            return 200, _page(server, simple, q), None
        if method == "GET" and path == "/recalls/List":
            items = sorted(p.recalls, key=lambda r: r["DateDue"])
            if "DateEnd" in q:
                items = [r for r in items if r["DateDue"] <= q["DateEnd"]]
            return 200, _page(server, items, q), None
        m = re.fullmatch(r"/familymodules/(\d+)/Insurance", path)
        if m and method == "GET":
            pat_num = int(m.group(1))
            if pat_num not in p.patients:
                return 404, b"Patient not found", None
            ins = p.insurance.get(pat_num)
            if ins is None:
                return 200, [], None
            return (
                200,
                [
                    {
                        "PatNum": pat_num,
                        "InsSubNum": pat_num * 10,
                        "Subscriber": pat_num,
                        "SubscriberID": ins["subscriber_id"],
                        "SubscNote": "",
                        "PatPlanNum": pat_num * 7,
                        "Ordinal": 1,
                        "IsPending": "false",
                        "Relationship": "Self",
                        "PatID": "",
                        "CarrierNum": 1,
                        "CarrierName": ins["carrier"],
                        "PlanNum": pat_num * 3,
                        "GroupName": "Employer Plan",
                        "GroupNum": ins["group"],
                        "PlanNote": "",
                        "FeeSched": 0,
                        "PlanType": "",
                        "ClaimFormNum": 1,
                        "CopayFeeSched": 0,
                        "EmployerNum": 0,
                        "IsMedical": "false",
                    }
                ],
                None,
            )
        if method == "PUT" and path == "/apptfields":
            apt_num = int(body["AptNum"])
            if apt_num not in p.appointments:
                return 400, b"AptNum is invalid", None
            p.appt_fields[(apt_num, str(body["FieldName"]))] = str(body["FieldValue"])
            return 200, b"", None
        if method == "GET" and path == "/apptfields":
            apt_num = int(q["AptNum"])
            return (
                200,
                [
                    {"AptNum": apt_num, "FieldName": k[1], "FieldValue": v}
                    for k, v in p.appt_fields.items()
                    if k[0] == apt_num
                ],
                None,
            )
        if method == "GET" and path == "/version":
            return 200, {"Version": "24.3.1.0", "serverDateTime": fmt_dt(datetime.now())}, None
    return 404, b"Not Found", None
