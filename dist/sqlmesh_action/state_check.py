"""The state check: for each model of an environment, does its physical table exist, and is the environment's object
the view SQLMesh made (pointing to that table)? Reads the catalog only; never drops or changes anything."""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from .session import Session


def state_check(session: "Session", params: dict) -> dict:
    context = session.require_context()
    adapter = context.engine_adapter
    env = session.environment_record(params["environment"], refresh=True)
    if env is None:
        return {"exists": False, "models": []}
    snapshots = context.state_reader.get_snapshots(env.snapshots)
    checked = []
    for snapshot in sorted(snapshots.values(), key=lambda item: item.name):
        if not snapshot.is_model or any(getattr(snapshot, flag, False) for flag in ("is_external", "is_embedded", "is_symbolic")):
            continue
        physical = snapshot.table_name(is_deployable=True)
        view = snapshot.qualified_view_name.for_environment(env.naming_info, dialect=adapter.dialect)
        physical_object = adapter.get_data_object(physical)
        view_object = adapter.get_data_object(view)
        checked.append(
            {
                "name": snapshot.name,
                "physical": physical,
                "physical_type": _type(physical_object),
                "view": view,
                "view_type": _type(view_object),
                "points_to_physical": _points_to(adapter, view, view_object, physical),
            }
        )
    return {"exists": True, "models": checked}


def _type(data_object: t.Any) -> t.Optional[str]:
    return None if data_object is None else str(getattr(data_object.type, "value", data_object.type))


def _points_to(adapter: t.Any, view: str, view_object: t.Any, physical: str) -> t.Optional[bool]:
    """Whether the view's definition names the physical table, from information_schema.views (DuckDB, PostgreSQL and
    most warehouses have it); null when the definition cannot be read."""
    from sqlglot import exp

    if view_object is None or _type(view_object) != "view":
        return None
    target = exp.to_table(view)
    query = (
        exp.select("view_definition")
        .from_(exp.table_("views", db="information_schema"))
        .where(exp.column("table_schema").eq(exp.Literal.string(target.db)).and_(exp.column("table_name").eq(exp.Literal.string(target.name))))
    )
    try:
        row = adapter.fetchone(query)
    except Exception:  # noqa: BLE001 - a warehouse without information_schema.views: unknown, not a problem
        return None
    if not row or row[0] is None:
        return None
    table = exp.to_table(physical)
    definition = str(row[0]).lower().replace('"', "")
    return table.name.lower() in definition
