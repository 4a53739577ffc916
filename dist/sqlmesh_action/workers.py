"""Requests that run side by side (table diffs): in worker processes forked after the one project load, or on threads.

SQLMesh's diff work is mostly Python (sqlglot builds and renders the queries), so threads share one interpreter lock
and barely overlap. A process forked from the loaded bridge starts with the project already in memory (copy on
write, kept cheap by `gc.freeze()` after the load), and opens its own database connection: it never uses or closes
the parent's. Workers live for one batch of side-by-side requests; any other request (a plan, a restatement) first
waits for the batch to end and the workers to exit, so it never overlaps a diff, and the next batch forks again from
the state that request left.

DuckDB lets one process open a database file for writing, or several for reading only. For a batch of diffs the
bridge closes its own connection, and each worker opens an in-memory database (where the keyed diffs' temporary
tables go) with the file attached read only. Nothing a diff does writes to the file.
"""

from __future__ import annotations

import os
import typing as t
from concurrent.futures import Future

from .protocol import answer, handle, respond

Handler = t.Callable[[dict], dict]

# What a forked worker runs: set in the parent just before the fork, inherited by the child's copy of memory.
_child_handlers: t.Dict[str, Handler] = {}
_child_setup: t.Optional[t.Callable[[], None]] = None


class Workers(t.Protocol):
    def submit(self, handler: t.Optional[Handler], method: str, request_id: t.Any, params: dict) -> None: ...

    def finish(self) -> None:
        """Waits until every request submitted has been answered, then stops the workers."""


class ThreadWorkers:
    def __init__(self, count: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="sqlmesh-action")

    def submit(self, handler: t.Optional[Handler], method: str, request_id: t.Any, params: dict) -> None:
        self._pool.submit(handle, handler, method, request_id, params)

    def finish(self) -> None:
        self._pool.shutdown(wait=True)


class ProcessWorkers:
    """`count` processes forked now, from the loaded bridge. `setup` runs first in each child: it gives the child its
    own connections. Each answer is written by the parent, the only writer of the protocol stream."""

    def __init__(self, count: int, handlers: t.Dict[str, Handler], setup: t.Callable[[], None]) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        global _child_handlers, _child_setup
        _child_handlers, _child_setup = handlers, setup
        self._pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork"), initializer=_start_child)

    def submit(self, handler: t.Optional[Handler], method: str, request_id: t.Any, params: dict) -> None:
        future = self._pool.submit(_answer_in_child, method, request_id, params)
        future.add_done_callback(lambda done: respond(_answer_of(done, method, request_id)))

    def finish(self) -> None:
        # Returns once the pool's own thread has run every callback above, so every answer has been written.
        self._pool.shutdown(wait=True)


def _start_child() -> None:
    if _child_setup is not None:
        _child_setup()


def _answer_in_child(method: str, request_id: t.Any, params: dict) -> dict:
    return answer(_child_handlers.get(method), method, request_id, params)


def _answer_of(done: "Future[dict]", method: str, request_id: t.Any) -> dict:
    """The child's answer, or, when the child itself failed (killed, out of memory), an error naming the request."""
    error = done.exception()
    if error is None:
        return done.result()
    return {
        "id": request_id,
        "ok": False,
        "error": {"kind": "worker", "message": f"the worker process running '{method}' failed: {type(error).__name__}: {error}"},
    }


# Connections a forked worker inherited from the bridge: kept referenced, never used or closed, because closing one
# (or letting it be freed, which closes it) would end the bridge's own session with the database.
_inherited: t.List[t.Any] = []


def own_connections(context: t.Any) -> None:
    """In a forked worker: set aside the connections inherited from the bridge (the engine's, the state's), so that
    SQLMesh opens this process's own on first use, as it does after a load."""
    _inherited.append(
        (context._engine_adapter, context.__dict__.pop("engine_adapters", None), context._snapshot_evaluator, context._state_sync)
    )
    context._engine_adapter = None
    context._snapshot_evaluator = None
    context._state_sync = None
    # The worker's own connections end with a proper goodbye to the database when the worker exits.
    from multiprocessing.util import Finalize

    Finalize(None, _close_own_connections, args=(context,), exitpriority=10)


def _close_own_connections(context: t.Any) -> None:
    adapters = [context._engine_adapter, *(context.__dict__.get("engine_adapters") or {}).values()]
    try:
        for adapter in {id(adapter): adapter for adapter in adapters if adapter is not None}.values():
            adapter.close()
        if context._state_sync is not None:
            context._state_sync.close()
    except Exception:  # noqa: BLE001 - the process ends either way; the database then drops the connection
        pass


def release_connections(context: t.Any) -> None:
    """In the bridge, before forking DuckDB workers: closes every connection SQLMesh holds, so that the file is free.
    SQLMesh's connection pools open a new one on next use."""
    adapters = [context._engine_adapter, *(context.__dict__.get("engine_adapters") or {}).values()]
    for adapter in {id(adapter): adapter for adapter in adapters if adapter is not None}.values():
        adapter.close()
    context.close()


def read_only_duckdb(session: t.Any) -> None:
    """In a forked DuckDB worker: an engine adapter on an in-memory database with the project's file attached read
    only under its usual catalog name (so the views' qualified names resolve) and in use, the temp schema in memory."""
    import duckdb
    from sqlglot import exp
    from sqlmesh.core.engine_adapter import DuckDBEngineAdapter

    context = session.context
    config = context.connection_config
    path = os.path.abspath(config.database)
    catalog = os.path.splitext(os.path.basename(path))[0]
    attach = f"ATTACH {exp.Literal.string(path).sql('duckdb')} AS {exp.to_identifier(catalog, quoted=True).sql('duckdb')} (READ_ONLY)"
    use = f"USE {exp.to_identifier(catalog, quoted=True).sql('duckdb')}"

    def connect() -> t.Any:
        connection = duckdb.connect()
        connection.execute(attach)
        connection.execute(use)
        return connection

    own_connections(context)
    context._engine_adapter = DuckDBEngineAdapter(connect, dialect="duckdb", default_catalog=catalog, cursor_init=config._cursor_init)
    session.temp_schema = "memory.sqlmesh_temp"
    session.temp_schema_ready = False
