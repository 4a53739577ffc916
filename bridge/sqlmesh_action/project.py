"""The project as data: load it once, describe its models, say what differs from an environment, and read an
environment's snapshots from SQLMesh's state."""

from __future__ import annotations

import gc
import json
import os
import sys
import typing as t

from .console import recorder
from .protocol import PROTOCOL_VERSION, BridgeError, quiet_logs

if t.TYPE_CHECKING:
    from .session import Session


def hello(_session: "Session", _params: dict) -> dict:
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


def load(session: "Session", params: dict) -> dict:
    from sqlmesh import Context

    recorder()
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
    session.gateway = gateway or getattr(context, "selected_gateway", None) or "default"
    try:
        context.load()
    except Exception as error:  # noqa: BLE001
        raise BridgeError("load", f"{type(error).__name__}: {error}")
    session.context = context
    quiet_logs()
    # The loaded project (models, their parsed SQL, the DAG) lives until the process ends. Moved out of the garbage
    # collector's sight, it is no longer traversed by every collection during the diffs: measured 1.3-1.9x faster
    # diffs, more the larger the project.
    gc.collect()
    gc.freeze()
    session.parallel, session.workers = diff_workers(context, session.gateway, session.requested_workers)
    return {
        "models": [describe_model(model) for model in context.models.values()],
        "gateways": gateways,
        "workers": session.workers,
        "secrets": connection_secrets(context.config),
        "gateway": session.gateway,
        "state": describe_state(context, session.gateway),
        "cwd": os.getcwd(),
    }


def describe_model(model: t.Any) -> dict:
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
        # The grain as join columns, each in the model's dialect (SQLMesh's own `model.on`).
        "grain": list(getattr(model, "on", None) or []),
        "depends_on": sorted(model.depends_on),
        "depends_on_self": bool(getattr(model, "depends_on_self", False)),
        "forward_only": bool(getattr(kind, "forward_only", False)),
        "dbt": bool(getattr(model, "dbt_node_info", None) or getattr(model, "dbt_name", None)),
        "start": str(model.start) if model.start is not None else None,
        "start_ms": start_ms(model.start),
        "cron": model.cron,
        "restatement_disabled": bool(getattr(kind, "disable_restatement", False)),
    }


def diff_workers(context: t.Any, gateway: str, requested: int) -> t.Tuple[str, int]:
    """How diffs run side by side, and how many at once.

    - "processes": worker processes forked after the load, each with its own connection, as many as asked for within
      SQLMesh's `concurrent_tasks` for the gateway (the number of connections it would open itself).
    - "duckdb-read-only": a DuckDB file (also holding the state, as by default) allows one writing process, or several
      reading ones. For a batch of diffs the bridge closes its connection and forks workers that attach the file read
      only, with their temporary tables in memory; it opens the file again after the batch. As many as asked for.
    - "threads": threads within `concurrent_tasks`, where forking cannot work (no fork, or state on a DuckDB file while
      the engine is another database). On DuckDB in any other shape (MotherDuck, several catalogs), one at a time."""
    concurrent_tasks = max(1, int(getattr(context, "concurrent_tasks", 1) or 1))
    try:
        connection = context.connection_config
        engine = str(getattr(connection, "type_", "") or "")
    except Exception:  # noqa: BLE001 - unknown: stay in one process
        return "threads", 1
    state = describe_state(context, gateway)
    if not hasattr(os, "fork") or requested <= 1:
        return "threads", max(1, min(requested, concurrent_tasks))
    if engine in ("duckdb", "motherduck"):
        database = getattr(connection, "database", None)
        plain_file = engine == "duckdb" and isinstance(database, str) and database not in ("", ":memory:") and not getattr(connection, "catalogs", None)
        same_state = state["type"] != "duckdb" or state["database"] == (os.path.abspath(database) if plain_file else None)
        if plain_file and same_state:
            return "duckdb-read-only", requested
        return "threads", 1
    if state["type"] in ("duckdb", "motherduck"):
        return "threads", min(requested, concurrent_tasks)
    return "processes", min(requested, concurrent_tasks)


def describe_state(context: t.Any, gateway: str) -> dict:
    """Where SQLMesh reads its state (environments, snapshots, intervals): the gateway, the connection type, and for a
    file database (DuckDB) the absolute path of the file, resolved as SQLMesh resolves it (against the working
    directory). A wrong relative path then shows at once."""
    try:
        config = context.config.get_gateway(gateway if gateway != "default" else None)
        connection = config.state_connection or config.connection
    except Exception:  # noqa: BLE001 - a description only
        return {"gateway": gateway, "type": "unknown", "database": None}
    kind = str(getattr(connection, "type_", None) or type(connection).__name__)
    database = getattr(connection, "database", None)
    if kind in ("duckdb", "motherduck") and isinstance(database, str) and database and not database.startswith("md:"):
        database = database if database == ":memory:" else os.path.abspath(database)
    return {"gateway": gateway, "type": kind, "database": database if isinstance(database, str) else None}


def changes(session: "Session", params: dict) -> dict:
    """Which models differ from an environment (prod), by fingerprint, without applying anything."""
    context = session.require_context()
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


def environment(session: "Session", params: dict) -> dict:
    """The snapshots of an environment: per model its fingerprint, version and the intervals it holds (ms)."""
    context = session.require_context()
    env = session.environment_record(params["environment"], refresh=True)
    if env is None:
        return {"exists": False, "models": {}}
    # Reading every snapshot builds each model's query again (hundreds of thousands of objects, which SQLMesh's state
    # cache keeps): with the collector on, its repeated full collections doubled the time (15.9 s against 8.6 s for
    # 2,400 models). They are kept, so there is nothing for it to find; it is paused, and they are frozen after.
    gc.disable()
    try:
        snapshots = context.state_reader.get_snapshots(env.snapshots)
    finally:
        gc.freeze()
        gc.enable()
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


def resolve_times(_session: "Session", params: dict) -> dict:
    """Dates and SQLMesh relative expressions ('1 month ago') as epoch ms, the way SQLMesh's plan reads them."""
    from sqlmesh.utils.date import now_timestamp, to_timestamp

    resolved = {}
    for key, value in (params.get("values") or {}).items():
        try:
            resolved[key] = int(to_timestamp(value))
        except Exception as error:  # noqa: BLE001
            raise BridgeError("bad_time", f"'{key}' is '{value}', which is not a date or a relative time SQLMesh understands ({error})")
    return {"times": resolved, "now": int(now_timestamp())}


def read_yaml(_session: "Session", params: dict) -> dict:
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
