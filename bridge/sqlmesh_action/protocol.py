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
    """Runs one request and answers it."""
    respond(answer(handler, method, request_id, params))


def answer(handler: t.Optional[t.Callable[[dict], dict]], method: str, request_id: t.Any, params: dict) -> dict:
    """Runs one request and returns its answer; every fault goes back to the caller, named."""
    try:
        if handler is None:
            raise BridgeError("protocol", f"unknown method '{method}'")
        return {"id": request_id, "ok": True, "result": handler(params)}
    except BridgeError as error:
        return {"id": request_id, "ok": False, "error": {"kind": error.kind, "message": strip_ansi(str(error))}}
    except Exception as error:  # noqa: BLE001
        traceback.print_exc(file=sys.stderr)
        kind = "connection" if is_connection_error(error) else type(error).__name__
        return {"id": request_id, "ok": False, "error": {"kind": kind, "message": strip_ansi(str(error)).strip()}}


def serve(
    handlers: t.Dict[str, t.Callable[[dict], dict]],
    concurrent: t.Set[str],
    start_workers: t.Callable[[dict], t.Any],
    close: t.Callable[[], None],
) -> None:
    """The request loop. Methods in `concurrent` may run side by side, on the workers `start_workers` gives for a batch
    of them (called at the first request of each batch; None: one after another, here). Every other request waits
    until the batch is done and its workers have stopped, so a plan never overlaps a diff.

    On `shutdown` (or the end of stdin) it closes what must be closed (`close`: connections, so that the database has
    everything committed), answers, and ends the process at once: Python's own teardown (freeing every object of the
    loaded project, exit hooks) costs about 0.4 s and saves nothing."""
    workers: t.Any = None
    in_batch = False
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        request_id = request.get("id")
        method = request.get("method")
        params = request.get("params") or {}
        if method in concurrent:
            if not in_batch:
                workers, in_batch = _started(start_workers, params), True
            if workers is not None:
                workers.submit(handlers.get(method), method, request_id, params)
                continue
        else:
            if workers is not None:
                workers.finish()
            workers, in_batch = None, False
        if method == "shutdown":
            handle(lambda _params: _closed(close), method, request_id, params)
            exit_now(0)
        handle(handlers.get(method), method, request_id, params)
    if workers is not None:
        workers.finish()
    _closed(close)
    exit_now(0)


def _started(start_workers: t.Callable[[dict], t.Any], params: dict) -> t.Any:
    """Workers for a batch; if they cannot start, the batch runs one request after another instead, and says why."""
    try:
        return start_workers(params)
    except Exception:  # noqa: BLE001 - slower, never lost
        print("Worker processes for table diffs could not start; the diffs run one at a time:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return None


def _closed(close: t.Callable[[], None]) -> dict:
    close()
    return {}


def exit_now(code: int) -> t.NoReturn:
    """Ends the process without Python's teardown, once what was written has left: the protocol stream and stderr."""
    for stream in (_protocol, sys.stderr, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stream has nothing left to flush
            pass
    os._exit(code)
