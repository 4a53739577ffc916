"""The loaded SQLMesh context and what the requests share: the environments read from state, and how many diffs may
run at once. Also the method table and `main`."""

from __future__ import annotations

import gc
import os
import sys
import threading
import typing as t

from . import diff, plan, project, state_check, watch
from .protocol import BridgeError, serve
from .workers import ProcessWorkers, ThreadWorkers, own_connections, read_only_duckdb, release_connections


# DuckDB workers each attach the database file again (its catalog: about 2 s for a 2,400-model project's file), and
# the bridge opens it again after them: below this many diffs in a batch, one at a time is as fast or faster.
DUCKDB_MIN_BATCH = 40


class Session:
    def __init__(self, requested_workers: int) -> None:
        self.context: t.Any = None
        self.requested_workers = requested_workers
        self.workers = 1
        self.gateway = "default"
        self._environments: t.Dict[str, t.Any] = {}
        # Per environment, its snapshots by model name: a diff finds its model without scanning the whole list.
        self._snapshot_index: t.Dict[str, t.Dict[str, t.Any]] = {}
        self._lock = threading.Lock()
        # Where keyed diffs put their temporary tables (a DuckDB worker: its own in-memory catalog), made once.
        self.temp_schema = diff.TABLE_DIFF_TEMP_SCHEMA
        self.temp_schema_ready = False
        # How diffs run side by side (see project.diff_workers): "processes", "duckdb-read-only" or "threads".
        self.parallel = "threads"

    def require_context(self) -> t.Any:
        if self.context is None:
            raise BridgeError("protocol", "the project is not loaded: send 'load' first")
        return self.context

    def environment_record(self, name: str, refresh: bool = False) -> t.Any:
        """An environment as SQLMesh's state holds it, read once and reused by every diff until a plan changes it."""
        with self._lock:
            if refresh or name not in self._environments:
                env = self.require_context().state_reader.get_environment(name)
                self._environments[name] = env
                self._snapshot_index[name] = {info.name: info for info in env.snapshots} if env is not None else {}
            return self._environments[name]

    def snapshot_info(self, environment: str, fqn: str) -> t.Any:
        """The environment's snapshot of one model (None when it has none), looked up by exact name."""
        self.environment_record(environment)
        return self._snapshot_index[environment].get(fqn)

    def close(self) -> None:
        """Closes SQLMesh's connections (the engine's and the state's): a DuckDB file is then checkpointed, and nothing
        committed waits in a buffer when the process ends without Python's teardown."""
        if self.context is not None:
            self.context.close()

    def start_workers(self, handlers: t.Dict[str, t.Callable[[dict], dict]], first: dict) -> t.Any:
        """Workers for a batch of diffs, or None to run them one after another. Before forking, the parent reads what
        every child needs: the environments of the first request, and (where they share a database) the temp schema,
        which concurrent creations of would collide."""
        # What the requests before the diffs left (the environments' snapshots SQLMesh's state cache keeps, a plan's
        # objects) joins the project out of the collector's sight: otherwise every full collection during the diffs
        # walks it again (measured: single collections of 0.3-2.2 s at 2,400 models). Garbage among it stays in memory
        # until the process ends, which is soon.
        gc.freeze()
        if self.workers <= 1 or self.context is None:
            return None
        if self.parallel == "threads":
            return ThreadWorkers(self.workers)
        for name in (first.get("source"), first.get("target")):
            if name:
                self.environment_record(name)
        if self.parallel == "duckdb-read-only":
            if int(first.get("batch_size") or 1) < DUCKDB_MIN_BATCH:
                print(f"Table diffs run one at a time on DuckDB below {DUCKDB_MIN_BATCH} in a batch (workers would cost more than they save)", file=sys.stderr)
                return None
            # The file is free for the workers' read-only connections only once the bridge has closed its own; it
            # opens it again on first use after the batch, when the workers have exited.
            release_connections(self.context)
            print(f"Table diffs run in {self.workers} worker processes, each reading the DuckDB file read only", file=sys.stderr)
            return ProcessWorkers(self.workers, handlers, lambda: read_only_duckdb(self))
        diff.ensure_temp_schema(self, self.context.engine_adapter)
        print(f"Table diffs run in {self.workers} worker processes, each with its own connection", file=sys.stderr)
        return ProcessWorkers(self.workers, handlers, lambda: own_connections(self.context))

    def forget_environment(self, name: str) -> None:
        with self._lock:
            self._environments.pop(name, None)
            self._snapshot_index.pop(name, None)


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
    serve(handlers, concurrent={"table_diff"}, start_workers=lambda first: session.start_workers(handlers, first), close=session.close)
