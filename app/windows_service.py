"""Run a console program as a Windows service: the practice hub under the service control manager.

The SCM starts a service's program and waits for it to call StartServiceCtrlDispatcherW; a plain
console program is killed after 30 s ("did not respond", error 1053). Here the dispatcher runs
in a thread of its own while the program itself (`main`, e.g. `app.hub.run`, reading sys.argv)
runs in the main thread, as it does in a console. The SCM's Stop (and the system's shutdown)
interrupts the main thread as Ctrl+C would (KeyboardInterrupt, so the server closes cleanly);
the service reports Stopped with the program's exit code, so the failure actions the installer
set (restart) apply to a crash and not to a stop.

Windows only (ctypes, advapi32); checked by scripts/test-windows under Wine.
"""

from __future__ import annotations

import _thread
import os
import sys
import threading
import traceback
from collections.abc import Callable

SERVICE_WIN32_OWN_PROCESS = 0x10
SERVICE_STOPPED = 1
SERVICE_START_PENDING = 2
SERVICE_STOP_PENDING = 3
SERVICE_RUNNING = 4
SERVICE_ACCEPT_STOP = 0x1
SERVICE_ACCEPT_SHUTDOWN = 0x4
SERVICE_CONTROL_STOP = 1
SERVICE_CONTROL_INTERROGATE = 4
SERVICE_CONTROL_SHUTDOWN = 5
NO_ERROR = 0
ERROR_CALL_NOT_IMPLEMENTED = 120
ERROR_SERVICE_SPECIFIC_ERROR = 1066
ERROR_FAILED_SERVICE_CONTROLLER_CONNECT = 1063
STOP_WAIT_MS = 30_000  # how long the SCM is told a stop may take; then the process ends anyway
START_WAIT_S = 30.0


def exit_code_of(main: Callable[[], object]) -> int:
    """The program's exit code, as the console would see it."""
    try:
        result = main()
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    except KeyboardInterrupt:
        return 0  # a stop request
    except Exception:
        # The service's only console is its log: the trace goes there, and the SCM gets a failure
        # (its restart applies) rather than a process that vanished mid-report.
        traceback.print_exc()
        return 1
    return result if isinstance(result, int) else 0


def run_as_service(name: str, main: Callable[[], object]) -> int:
    """Serve the SCM as service `name` while `main` runs; its exit code."""
    if sys.platform == "win32":
        return _run_windows(name, main)
    print("--windows-service: Windows only", file=sys.stderr)
    return 2


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    class _ServiceStatus(ctypes.Structure):
        _fields_ = [
            ("dwServiceType", wintypes.DWORD),
            ("dwCurrentState", wintypes.DWORD),
            ("dwControlsAccepted", wintypes.DWORD),
            ("dwWin32ExitCode", wintypes.DWORD),
            ("dwServiceSpecificExitCode", wintypes.DWORD),
            ("dwCheckPoint", wintypes.DWORD),
            ("dwWaitHint", wintypes.DWORD),
        ]

    _SERVICE_MAIN = ctypes.WINFUNCTYPE(None, wintypes.DWORD, ctypes.POINTER(wintypes.LPWSTR))
    _HANDLER_EX = ctypes.WINFUNCTYPE(
        wintypes.DWORD, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID, wintypes.LPVOID
    )

    class _TableEntry(ctypes.Structure):
        _fields_ = [("lpServiceName", wintypes.LPWSTR), ("lpServiceProc", _SERVICE_MAIN)]

    def _run_windows(name: str, main: Callable[[], object]) -> int:
        advapi = ctypes.WinDLL("advapi32", use_last_error=True)
        advapi.RegisterServiceCtrlHandlerExW.restype = wintypes.HANDLE
        advapi.RegisterServiceCtrlHandlerExW.argtypes = [
            wintypes.LPCWSTR,
            _HANDLER_EX,
            wintypes.LPVOID,
        ]
        advapi.SetServiceStatus.restype = wintypes.BOOL
        advapi.SetServiceStatus.argtypes = [wintypes.HANDLE, ctypes.POINTER(_ServiceStatus)]
        advapi.StartServiceCtrlDispatcherW.restype = wintypes.BOOL
        advapi.StartServiceCtrlDispatcherW.argtypes = [ctypes.POINTER(_TableEntry)]

        started = threading.Event()
        finished = threading.Event()
        outcome = {"code": 0}
        status = _ServiceStatus(SERVICE_WIN32_OWN_PROCESS, SERVICE_START_PENDING, 0, 0, 0, 0, 0)
        handle: list[int] = []
        lock = threading.Lock()

        def report(state: int, code: int = 0, wait_ms: int = 0) -> None:
            with lock:
                status.dwCurrentState = state
                status.dwControlsAccepted = (
                    SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN if state == SERVICE_RUNNING else 0
                )
                status.dwWin32ExitCode = ERROR_SERVICE_SPECIFIC_ERROR if code else NO_ERROR
                status.dwServiceSpecificExitCode = code
                status.dwCheckPoint = 0 if state in (SERVICE_RUNNING, SERVICE_STOPPED) else 1
                status.dwWaitHint = wait_ms
                if handle:
                    advapi.SetServiceStatus(handle[0], ctypes.byref(status))

        def force_exit() -> None:
            report(SERVICE_STOPPED, 1)
            os._exit(1)

        def handler(control: int, _event: int, _data: object, _context: object) -> int:
            if control in (SERVICE_CONTROL_STOP, SERVICE_CONTROL_SHUTDOWN):
                report(SERVICE_STOP_PENDING, wait_ms=STOP_WAIT_MS)
                _thread.interrupt_main()  # as Ctrl+C: the server shuts down cleanly
                timer = threading.Timer(STOP_WAIT_MS / 1000, force_exit)
                timer.daemon = True
                timer.start()
                return NO_ERROR
            if control == SERVICE_CONTROL_INTERROGATE:
                return NO_ERROR
            return ERROR_CALL_NOT_IMPLEMENTED

        handler_ref = _HANDLER_EX(handler)

        def service_main(_argc: int, _argv: object) -> None:
            registered = advapi.RegisterServiceCtrlHandlerExW(name, handler_ref, None)
            if not registered:
                started.set()
                return
            handle.append(registered)
            report(SERVICE_RUNNING)
            started.set()
            finished.wait()
            report(SERVICE_STOPPED, outcome["code"])

        main_ref = _SERVICE_MAIN(service_main)
        table = (_TableEntry * 2)(_TableEntry(name, main_ref), _TableEntry(None, _SERVICE_MAIN()))
        dispatch_error: list[int] = []

        def dispatch() -> None:
            if not advapi.StartServiceCtrlDispatcherW(table):
                dispatch_error.append(ctypes.get_last_error())
                started.set()

        dispatcher = threading.Thread(target=dispatch, name="service-dispatcher", daemon=True)
        dispatcher.start()
        started.wait(START_WAIT_S)
        if dispatch_error or not handle:
            error = dispatch_error[0] if dispatch_error else 0
            hint = (
                " (not started by the service control manager: run 'enamel-hub serve' instead)"
                if error == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT
                else ""
            )
            print(
                f"enamel-hub: cannot run as the service {name}: error {error}{hint}",
                file=sys.stderr,
            )
            return 2
        outcome["code"] = exit_code_of(main)
        finished.set()
        dispatcher.join(10)
        return outcome["code"]
