"""The thin Python side of the action's SQLMesh adapter.

One process per action run: the TypeScript side starts it, sends one JSON request per line on stdin and reads one JSON
response per line from the protocol stream. The SQLMesh project is loaded once, by `load`, and reused by every later
request. This file only translates between the protocol and SQLMesh's Python API: no graph logic, no rendering.

Everything SQLMesh prints (console, warnings, logs) goes to stderr, which the action shows in a collapsible log group;
the protocol has the original stdout to itself.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import time
import traceback
import typing as t
from concurrent.futures import Future, ThreadPoolExecutor

PROTOCOL_VERSION = 1
# Where SQLMesh's table diff puts its temporary tables when no temp schema is given.
TABLE_DIFF_TEMP_SCHEMA = "sqlmesh_temp"
_schema_lock = threading.Lock()

# Keep the protocol stream for ourselves, then point fd 1 at stderr so nothing else can write into the protocol.
_protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
os.dup2(2, 1)
sys.stdout = sys.stderr


def quiet_logs() -> None:
    """Warnings and errors go to stderr (the action's log). SQLMesh's table diff logs every SQL statement it runs at
    the logger's own level, so that it always shows: useful when debugging, noise in a CI log. Those lines are shown
    only when GitHub runs the job with debug logging (RUNNER_DEBUG=1)."""
    debug = os.environ.get("RUNNER_DEBUG") == "1"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if not debug:
        handler.addFilter(lambda record: not str(record.msg).startswith("Executing SQL"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)


class BridgeError(Exception):
    """An error the user can act on; `kind` lets the TypeScript side choose the message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Session:
    def __init__(self, requested_workers: int) -> None:
        self.context: t.Any = None
        self.requested_workers = requested_workers
        self.workers = 1
        self.temp_schema_ready = False
        self.gateway = "default"

    # -- requests ---------------------------------------------------------------------------------------------------

    def hello(self, _params: dict) -> dict:
        try:
            import sqlmesh
        except ImportError as error:
            raise BridgeError("sqlmesh_missing", f"SQLMesh is not importable by {sys.executable}: {error}")
        return {
            "protocol": PROTOCOL_VERSION,
            "sqlmesh_version": sqlmesh.__version__,
            "python_version": sys.version.split()[0],
            "python_executable": sys.executable,
        }

    def load(self, params: dict) -> dict:
        from sqlmesh import Context

        _recorder()
        path = params["path"]
        gateway = params.get("gateway") or None
        try:
            # The config first, without a gateway: an unknown gateway is then named as such, with the known ones.
            gateways = sorted((Context(paths=[path], load=False).config.gateways or {}).keys())
            if gateway and gateways and gateway not in gateways:
                raise BridgeError(
                    "unknown_gateway",
                    f"gateway '{gateway}' is not defined in the SQLMesh config; defined gateways: {', '.join(gateways)}",
                )
            context = Context(paths=[path], gateway=gateway, load=False)
        except BridgeError:
            raise
        except Exception as error:  # noqa: BLE001 - config errors come in many types
            raise BridgeError("config", str(error))
        self.gateway = gateway or getattr(context, "selected_gateway", None) or "default"
        try:
            context.load()
        except Exception as error:  # noqa: BLE001
            raise BridgeError("load", f"{type(error).__name__}: {error}")
        self.context = context
        quiet_logs()
        # Diffs run side by side only as far as the gateway allows: SQLMesh's `concurrent_tasks` (1 for DuckDB, whose
        # connection is not shared across threads) bounds SQLMesh's own parallel work too.
        self.workers = max(1, min(self.requested_workers, int(getattr(context, "concurrent_tasks", 1) or 1)))
        return {
            "models": [describe_model(model, context) for model in context.models.values()],
            "gateways": gateways,
            "workers": self.workers,
            "secrets": connection_secrets(context.config),
            "gateway": self.gateway,
        }

    def changes(self, params: dict) -> dict:
        """Which models differ from an environment (prod), by fingerprint, without applying anything."""
        context = self._context()
        environment = params["environment"]
        if context.state_reader.get_environment(environment) is None:
            return {"environment_exists": False, "directly_modified": [], "indirectly_modified": [], "added": [], "removed": []}
        plan = context.plan_builder(environment, skip_tests=True, skip_linter=True).build()
        diff = plan.context_diff
        indirect = set()
        for children in plan.indirectly_modified.values():
            indirect.update(sid.name for sid in children)
        return {
            "environment_exists": True,
            "directly_modified": sorted(sid.name for sid in plan.directly_modified),
            "indirectly_modified": sorted(indirect),
            "added": sorted(diff.snapshots[sid].name for sid in diff.added if sid in diff.snapshots),
            "removed": sorted(snapshot.name for snapshot in diff.removed_snapshots.values()),
        }

    def plan(self, params: dict) -> dict:
        """Plan and apply an environment, non-interactively."""
        context = self._context()
        started = time.monotonic()
        recorder = _recorder()
        recorder.reset()
        try:
            plan = self._apply_plan(context, params)
        except Exception as error:  # noqa: BLE001 - SQLMesh's message alone does not name the test, audit or model
            if is_connection_error(error):
                raise
            names = {model.fqn: model.name for model in context.models.values()}
            raise BridgeError("plan", describe_plan_failure(error, recorder, names))
        return {
            "has_changes": bool(plan.has_changes),
            "audit_failures": recorder.audit_warnings,
            "seconds": round(time.monotonic() - started, 3),
        }

    def _apply_plan(self, context: t.Any, params: dict) -> t.Any:
        return context.plan(
            params["environment"],
            start=params.get("start") or None,
            end=params.get("end") or None,
            restate_models=params.get("restate") or None,
            no_prompts=True,
            auto_apply=True,
            skip_tests=bool(params.get("skip_tests")),
            skip_linter=True,
            no_diff=True,
        )

    def environment(self, params: dict) -> dict:
        """The snapshots of an environment: per model its fingerprint, version and the intervals it holds (ms)."""
        context = self._context()
        env = context.state_reader.get_environment(params["environment"])
        if env is None:
            return {"exists": False, "models": {}}
        snapshots = context.state_reader.get_snapshots(env.snapshots)
        models = {}
        for snapshot in snapshots.values():
            models[snapshot.name] = {
                "fingerprint": snapshot.fingerprint.to_identifier(),
                "version": snapshot.version,
                "forward_only": bool(snapshot.is_forward_only),
                "intervals": [[int(start), int(end)] for start, end in snapshot.intervals],
                "dev_intervals": [[int(start), int(end)] for start, end in snapshot.dev_intervals],
            }
        return {"exists": True, "models": models}

    def restate(self, params: dict) -> dict:
        """Restate models in prod from a start date; SQLMesh cascades the restatement downstream.

        Returns what SQLMesh planned per model (the interval after clamping to the model's start or widening for kinds
        that rebuild all history), and unless `dry_run`, what happened: per model the evaluation time, rows before and
        after, the models that failed (with SQLMesh's error) and those skipped because something upstream failed.
        """
        context = self._context()
        environment = params.get("environment") or "prod"
        plan = context.plan_builder(
            environment,
            restate_models=params["models"],
            start=params.get("start") or None,
            end=params.get("end") or None,
            skip_tests=True,
            skip_linter=True,
        ).build()
        planned = {snapshot.name: [int(interval[0]), int(interval[1])] for snapshot, interval in plan.restatements.items()}
        result: dict = {"planned": planned, "has_local_changes": bool(plan.has_changes)}
        if params.get("dry_run"):
            return result
        if plan.has_changes:
            raise BridgeError(
                "undeployed_changes",
                f"the project differs from '{environment}': deploy it first (a restatement ignores local changes)",
            )
        result["rows_before"] = self._row_counts(planned.keys())
        recorder = _recorder()
        recorder.reset()
        started = time.monotonic()
        try:
            context.apply(plan)
            result["error"] = None
        except Exception as error:  # noqa: BLE001 - a failed model is reported per model, not raised
            result["error"] = str(error) or type(error).__name__
        result["seconds"] = round(time.monotonic() - started, 3)
        result["evaluated"] = {name: round(ms / 1000, 3) for name, ms in recorder.durations_ms.items()}
        result["failed"] = recorder.failed
        result["skipped"] = sorted(recorder.skipped)
        result["rows_after"] = self._row_counts(planned.keys())
        return result

    def row_counts(self, params: dict) -> dict:
        """Rows per model in an environment's views (prod: the model names themselves); null where there is no table."""
        return {"counts": self._row_counts(params["models"])}

    def invalidate(self, params: dict) -> dict:
        """Marks an environment for removal; SQLMesh's janitor drops its views and tables later."""
        context = self._context()
        name = params["environment"]
        if context.state_reader.get_environment(name) is None:
            return {"existed": False}
        context.invalidate_environment(name)
        return {"existed": True}

    def resolve_times(self, params: dict) -> dict:
        """Dates and SQLMesh relative expressions ('1 month ago') as epoch ms, the way SQLMesh's plan reads them."""
        from sqlmesh.utils.date import now_timestamp, to_timestamp

        resolved = {}
        for key, value in (params.get("values") or {}).items():
            try:
                resolved[key] = int(to_timestamp(value))
            except Exception as error:  # noqa: BLE001
                raise BridgeError("bad_time", f"'{key}' is '{value}', which is not a date or a relative time SQLMesh understands ({error})")
        return {"times": resolved, "now": int(now_timestamp())}

    def read_yaml(self, params: dict) -> dict:
        """A YAML file as data (the action's own backfill settings file), or null when it does not exist."""
        path = params["path"]
        if not os.path.exists(path):
            return {"exists": False, "data": None}
        from ruamel.yaml import YAML

        with open(path, encoding="utf-8") as handle:
            try:
                data = YAML(typ="safe").load(handle)
            except Exception as error:  # noqa: BLE001
                raise BridgeError("yaml", f"{path} is not valid YAML: {error}")
        return {"exists": True, "data": json.loads(json.dumps(data, default=str))}

    def _row_counts(self, fqns: t.Iterable[str]) -> dict:
        from sqlglot import exp

        counts = {}
        adapter = self._context().engine_adapter
        for fqn in fqns:
            try:
                row = adapter.fetchone(exp.select(exp.func("COUNT", exp.Star())).from_(exp.to_table(fqn)))
                counts[fqn] = int(row[0]) if row else 0
            except Exception:  # noqa: BLE001 - a table that does not exist yet has no rows to count
                counts[fqn] = None
        return counts

    def table_diff(self, params: dict) -> dict:
        """Diff one model between two environments: schema, row counts and per-column match."""
        context = self._context()
        self._ensure_temp_schema(context)
        diffs = context.table_diff(
            source=params["source"],
            target=params["target"],
            select_models=[params["model"]],
            on=params.get("on") or None,
            where=window_predicate(params.get("window")),
            # No samples asked for: LIMIT 0. SQLMesh still builds and runs its sample query (its Python cost stays, see
            # BENCHMARKS.md), but no rows come back.
            limit=int(params.get("sample_limit") or 0),
            show=False,
            decimals=int(params.get("decimals", 3)),
            skip_grain_check=False,
        )
        if not diffs:
            return {"diffed": False}
        diff = diffs[0]
        schema = diff.schema_diff()
        rows = diff.row_diff()
        stats = {key: number(value) for key, value in rows.stats.items()}
        column_match = {
            str(column): number(value) for column, value in rows.column_stats["pct_match"].to_dict().items()
        }
        result = {
            "diffed": True,
            "source_table": str(diff.source),
            "target_table": str(diff.target),
            "grain": [str(column) for column in diff.key_columns[2]],
            "schema": {
                "added": [[name, type_.sql()] for name, type_ in schema.added],
                "removed": [[name, type_.sql()] for name, type_ in schema.removed],
                "modified": [[name, old.sql(), new.sql()] for name, (old, new) in schema.modified.items()],
            },
            "stats": stats,
            "column_match_pct": column_match,
        }
        if params.get("sample_limit"):
            result["samples"] = {
                "source_only": frame_rows(rows.s_sample),
                "target_only": frame_rows(rows.t_sample),
                "changed": frame_rows(rows.joined_sample),
            }
        return result

    def _ensure_temp_schema(self, context: t.Any) -> None:
        """Creates the schema table diffs put their temporary tables in, once, before diffs run side by side:
        PostgreSQL fails concurrent `CREATE SCHEMA IF NOT EXISTS` of one name with a unique violation."""
        with _schema_lock:
            if not self.temp_schema_ready:
                context.engine_adapter.create_schema(TABLE_DIFF_TEMP_SCHEMA)
                self.temp_schema_ready = True

    def _context(self) -> t.Any:
        if self.context is None:
            raise BridgeError("protocol", "the project is not loaded: send 'load' first")
        return self.context


class _Recorder:
    """Wraps SQLMesh's console to note, per model, evaluation time, failures and skips, then passes every call on."""

    def __init__(self, inner: t.Any) -> None:
        self._inner = inner
        self.reset()

    def reset(self) -> None:
        self.durations_ms: t.Dict[str, int] = {}
        self.failed: t.List[dict] = []
        self.skipped: t.Set[str] = set()
        self.failed_tests: t.List[str] = []
        self.audit_warnings: t.List[str] = []

    def log_test_results(self, result: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
        for test, trace in [*getattr(result, "failures", []), *getattr(result, "errors", [])]:
            lines = [line.strip() for line in str(trace).splitlines() if line.strip()]
            reason = next((line for line in lines if "Error:" in line), lines[-1] if lines else "")
            model = getattr(getattr(test, "model", None), "name", None)
            name = getattr(test, "test_name", None) or str(test)
            self.failed_tests.append(f"{name}{f' (model {model})' if model else ''}: {reason}")
        self._inner.log_test_results(result, *args, **kwargs)

    def log_warning(self, short_message: str, long_message: t.Optional[str] = None, *args: t.Any, **kwargs: t.Any) -> None:
        # Audits on a PR environment's partial data are made non-blocking by SQLMesh and only warned about.
        if "audit error" in short_message:
            # "schema__pr_7.table: 'not_null' audit error: 34 rows failed." names the environment's view: say the model.
            message = strip_ansi(short_message).strip().rstrip(".")
            self.audit_warnings.append(re.sub(r"^([\w\"]+)__\w+\.", r"\1.", message))
        self._inner.log_warning(short_message, long_message, *args, **kwargs)

    def update_snapshot_evaluation_progress(self, snapshot: t.Any, interval: t.Any, batch_idx: int, duration_ms: t.Optional[int], *args: t.Any, **kwargs: t.Any) -> None:
        self.durations_ms[snapshot.name] = self.durations_ms.get(snapshot.name, 0) + int(duration_ms or 0)
        self._inner.update_snapshot_evaluation_progress(snapshot, interval, batch_idx, duration_ms, *args, **kwargs)

    def log_failed_models(self, errors: t.List[t.Any]) -> None:
        for error in errors:
            node = getattr(error, "node", None)
            name = getattr(node, "snapshot_name", None) or getattr(node, "name", None) or str(node)
            cause = error.__cause__ or error
            self.failed.append({"model": str(name), "error": str(cause).strip() or type(cause).__name__})
        self._inner.log_failed_models(errors)

    def log_skipped_models(self, snapshot_names: t.Set[str]) -> None:
        self.skipped.update(str(name) for name in snapshot_names)
        self._inner.log_skipped_models(snapshot_names)

    def __getattr__(self, name: str) -> t.Any:
        # Table diff progress is not thread-safe in SQLMesh's consoles, and the action renders diffs itself.
        if "table_diff" in name:
            return _ignore
        return getattr(self._inner, name)


def _ignore(*_args: t.Any, **_kwargs: t.Any) -> None:
    return None


_RECORDER: t.Optional[_Recorder] = None


def _recorder() -> _Recorder:
    """The recording console, installed once before the first Context is made (Context takes the global console)."""
    global _RECORDER
    if _RECORDER is None:
        from sqlmesh.core.console import create_console, set_console

        # The console SQLMesh's CLI would pick here (Markdown under CI), so that the log shows what it did.
        _RECORDER = _Recorder(create_console())
        set_console(_RECORDER)
    return _RECORDER


def describe_model(model: t.Any, context: t.Any) -> dict:
    kind = model.kind
    path = getattr(model, "_path", None)
    seed_path = None
    if kind.is_seed and path is not None:
        seed_path = os.path.normpath(os.path.join(os.path.dirname(str(path)), str(kind.path)))
    time_column = getattr(kind, "time_column", None)
    return {
        "name": model.name,
        "fqn": model.fqn,
        "path": str(path) if path else None,
        "kind": kind.name.value if hasattr(kind.name, "value") else str(kind.name),
        "is_external": bool(getattr(model, "source_type", "") == "external" or kind.name == "EXTERNAL"),
        "seed_path": seed_path,
        "time_column": time_column.column.name if time_column is not None else None,
        "grain": [column.sql() for column in model.grains],
        "depends_on": sorted(model.depends_on),
        "start": str(model.start) if model.start is not None else None,
        "start_ms": start_ms(model.start),
        "cron": model.cron,
        "restatement_disabled": bool(getattr(kind, "disable_restatement", False)),
    }


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """Terminal colour codes (sqlglot's parse errors have them) mean nothing in an annotation or a comment."""
    return _ANSI.sub("", text)


def describe_plan_failure(error: Exception, recorder: "_Recorder", names: t.Dict[str, str]) -> str:
    """SQLMesh's plan errors ("Plan application failed.", "failing test(s)") with what it printed: which tests, which
    models, which audits."""
    parts = [strip_ansi(str(error)).strip() or type(error).__name__]
    if recorder.failed_tests:
        parts.append("Failing tests: " + "; ".join(recorder.failed_tests))
    if recorder.failed:
        parts.append(
            "Failed models: "
            + "; ".join(f"{names.get(item['model'], item['model'])}: {strip_ansi(item['error'])}" for item in recorder.failed)
        )
    return "\n".join(parts)


def is_connection_error(error: Exception) -> bool:
    name = type(error).__name__
    text = str(error).lower()
    return name in ("OperationalError", "InterfaceError", "ConnectionError", "DatabaseError") and any(
        word in text for word in ("connect", "connection", "timeout", "could not translate host", "refused")
    )


SECRET_FIELD = ("password", "token", "secret", "private_key", "key_content", "credentials", "access_key")


def connection_secrets(config: t.Any) -> t.List[str]:
    """Secret values in the gateways' connection settings, so that the action can mask them in its log."""
    found: t.List[str] = []

    def walk(value: t.Any, key: str = "") -> None:
        if isinstance(value, dict):
            for child_key, child in value.items():
                walk(child, str(child_key))
        elif isinstance(value, (list, tuple)):
            for child in value:
                walk(child, key)
        elif isinstance(value, str) and value and any(word in key.lower() for word in SECRET_FIELD):
            found.append(value)

    for gateway in (getattr(config, "gateways", None) or {}).values():
        for field in ("connection", "state_connection", "test_connection"):
            connection = getattr(gateway, field, None)
            if connection is not None and hasattr(connection, "model_dump"):
                walk(connection.model_dump())
    return found


def start_ms(start: t.Any) -> t.Optional[int]:
    if start is None:
        return None
    from sqlmesh.utils.date import to_timestamp

    try:
        return int(to_timestamp(start))
    except Exception:  # noqa: BLE001 - an unparseable start is SQLMesh's to report, not ours
        return None


def window_predicate(window: t.Optional[dict]) -> t.Any:
    """`column >= start AND column < end`, built as an expression so that it is quoted right in any dialect."""
    if not window:
        return None
    from sqlglot import exp

    column = exp.column(window["column"])
    return exp.and_(column >= exp.Literal.string(window["start"]), column < exp.Literal.string(window["end"]))


def number(value: t.Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def frame_rows(frame: t.Any) -> list:
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))


_write_lock = threading.Lock()

# Requests that may run side by side on worker threads (SQLMesh runs its own table diffs on threads too); every other
# request waits until those in flight are done, so a plan never overlaps a diff.
CONCURRENT_METHODS = {"table_diff"}


def respond(message: dict) -> None:
    line = json.dumps(message, default=str) + "\n"
    with _write_lock:
        _protocol.write(line)
        _protocol.flush()


def handle(handler: t.Optional[t.Callable[[dict], dict]], method: str, request_id: t.Any, params: dict) -> None:
    try:
        if handler is None:
            raise BridgeError("protocol", f"unknown method '{method}'")
        respond({"id": request_id, "ok": True, "result": handler(params)})
    except BridgeError as error:
        respond({"id": request_id, "ok": False, "error": {"kind": error.kind, "message": strip_ansi(str(error))}})
    except Exception as error:  # noqa: BLE001 - every fault goes back to the caller, named
        traceback.print_exc(file=sys.stderr)
        kind = "connection" if is_connection_error(error) else type(error).__name__
        respond({"id": request_id, "ok": False, "error": {"kind": kind, "message": strip_ansi(str(error)).strip()}})


def main() -> None:
    session = Session(requested_workers=max(1, int(os.environ.get("SQLMESH_ACTION_WORKERS", "1"))))
    pool: t.Optional[ThreadPoolExecutor] = None
    in_flight: t.List[Future] = []
    handlers = {
        "hello": session.hello,
        "load": session.load,
        "changes": session.changes,
        "plan": session.plan,
        "environment": session.environment,
        "table_diff": session.table_diff,
        "restate": session.restate,
        "invalidate": session.invalidate,
        "row_counts": session.row_counts,
        "read_yaml": session.read_yaml,
        "resolve_times": session.resolve_times,
    }
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        request_id = request.get("id")
        method = request.get("method")
        params = request.get("params") or {}
        if method in CONCURRENT_METHODS and session.workers > 1:
            pool = pool or ThreadPoolExecutor(max_workers=session.workers, thread_name_prefix="sqlmesh-action")
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


if __name__ == "__main__":
    main()
