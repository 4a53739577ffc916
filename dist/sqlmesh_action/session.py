"""The loaded SQLMesh context and what the requests share: the environments read from state, and how many diffs may
run at once. Also the method table and `main`."""

from __future__ import annotations

import os
import threading
import typing as t

from . import diff, plan, project, state_check, watch
from .protocol import BridgeError, serve


class Session:
    def __init__(self, requested_workers: int) -> None:
        self.context: t.Any = None
        self.requested_workers = requested_workers
        self.workers = 1
        self.gateway = "default"
        self._environments: t.Dict[str, t.Any] = {}
        self._lock = threading.Lock()
        self.temp_schema_ready = False

    def require_context(self) -> t.Any:
        if self.context is None:
            raise BridgeError("protocol", "the project is not loaded: send 'load' first")
        return self.context

    def environment_record(self, name: str, refresh: bool = False) -> t.Any:
        """An environment as SQLMesh's state holds it, read once and reused by every diff until a plan changes it."""
        with self._lock:
            if refresh or name not in self._environments:
                self._environments[name] = self.require_context().state_reader.get_environment(name)
            return self._environments[name]

    def forget_environment(self, name: str) -> None:
        with self._lock:
            self._environments.pop(name, None)


def main() -> None:
    session = Session(requested_workers=max(1, int(os.environ.get("SQLMESH_ACTION_WORKERS", "1"))))

    def bind(function: t.Callable[[Session, dict], dict]) -> t.Callable[[dict], dict]:
        return lambda params: function(session, params)

    handlers = {
        "hello": bind(project.hello),
        "load": bind(project.load),
        "changes": bind(project.changes),
        "environment": bind(project.environment),
        "resolve_times": bind(project.resolve_times),
        "read_yaml": bind(project.read_yaml),
        "plan": bind(plan.plan),
        "restate": bind(plan.restate),
        "invalidate": bind(plan.invalidate),
        "row_counts": bind(plan.row_counts),
        "table_diff": bind(diff.table_diff),
        "watch_fingerprints": bind(watch.fingerprints),
        "watch_state": bind(watch.state),
        "watch_record": bind(watch.record),
        "state_check": bind(state_check.state_check),
    }
    serve(handlers, concurrent={"table_diff"}, workers=lambda: session.workers)
