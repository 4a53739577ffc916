"""The JSON-lines protocol: requests on stdin, one response per request on the original stdout.

Everything SQLMesh prints (console, warnings, logs) goes to stderr, which the action shows in a collapsible log group;
the protocol has the original stdout to itself. Importing this module claims it, so it is imported first.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import traceback
import typing as t

PROTOCOL_VERSION = 1

# Keep the protocol stream for ourselves, then point fd 1 at stderr so nothing else can write into the protocol.
_protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr

_write_lock = threading.Lock()
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class BridgeError(Exception):
    """An error the user can act on; `kind` lets the TypeScript side choose the message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def strip_ansi(text: str) -> str:
    """Terminal colour codes (sqlglot's parse errors have them) mean nothing in an annotation or a comment."""
    return _ANSI.sub("", text)


def is_connection_error(error: Exception) -> bool:
    name = type(error).__name__
    text = str(error).lower()
    return name in ("OperationalError", "InterfaceError", "ConnectionError", "DatabaseError") and any(
        word in text for word in ("connect", "connection", "timeout", "could not translate host", "refused")
    )


def quiet_logs() -> None:
    """Warnings and errors go to stderr (the action's log). SQLMesh logs every SQL statement it runs at the logger's
    own level, so that it always shows: useful when debugging, noise in a CI log. Those lines are shown only when
    GitHub runs the job with debug logging (RUNNER_DEBUG=1)."""
    debug = os.environ.get("RUNNER_DEBUG") == "1"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if not debug:
        handler.addFilter(lambda record: not str(record.msg).startswith("Executing SQL"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)


def finite(value: t.Any) -> t.Any:
    """NaN and infinities (pandas gives NaN for a percentage of no rows) are not JSON: they become null."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def respond(message: dict) -> None:
    line = json.dumps(finite(message), default=str, allow_nan=False) + "\n"
    with _write_lock:
        _protocol.write(line)
        _protocol.flush()


def handle(handler: t.Optional[t.Callable[[dict], dict]], method: str, request_id: t.Any, params: dict) -> None:
    """Runs one request and answers it; every fault goes back to the caller, named."""
    try:
        if handler is None:
            raise BridgeError("protocol", f"unknown method '{method}'")
        respond({"id": request_id, "ok": True, "result": handler(params)})
    except BridgeError as error:
        respond({"id": request_id, "ok": False, "error": {"kind": error.kind, "message": strip_ansi(str(error))}})
    except Exception as error:  # noqa: BLE001
        traceback.print_exc(file=sys.stderr)
        kind = "connection" if is_connection_error(error) else type(error).__name__
        respond({"id": request_id, "ok": False, "error": {"kind": kind, "message": strip_ansi(str(error)).strip()}})


def serve(handlers: t.Dict[str, t.Callable[[dict], dict]], concurrent: t.Set[str], workers: t.Callable[[], int]) -> None:
    """The request loop. Methods in `concurrent` may run side by side on worker threads (SQLMesh runs its own table
    diffs on threads too); every other request waits until those in flight are done, so a plan never overlaps a diff."""
    from concurrent.futures import Future, ThreadPoolExecutor

    pool: t.Optional[ThreadPoolExecutor] = None
    in_flight: t.List[Future] = []
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        request_id = request.get("id")
        method = request.get("method")
        params = request.get("params") or {}
        if method in concurrent and workers() > 1:
            pool = pool or ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="sqlmesh-action")
            in_flight = [future for future in in_flight if not future.done()]
            in_flight.append(pool.submit(handle, handlers.get(method), method, request_id, params))
            continue
        for future in in_flight:
            future.result()
        in_flight = []
        if method == "shutdown":
            respond({"id": request_id, "ok": True, "result": {}})
            break
        handle(handlers.get(method), method, request_id, params)
    if pool is not None:
        pool.shutdown(wait=True)
