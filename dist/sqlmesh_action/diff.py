"""Table diffs between two environments, one model at a time.

The tables compared are each environment's view of the model, resolved from SQLMesh's state by the model's exact
name: never a selector string (a quoted name may hold `|`, `(`, `*`, `+`, ...), and never skipped silently (SQLMesh's
own `Context.table_diff` leaves out forward-only changes whose prod snapshot is not forward-only).

A model is compared on its grain when the grain is sound: every grain column exists in both tables, and no key is
duplicated or null in either. Otherwise, or without a grain, it is compared as whole rows: each table as a multiset
of rows over the columns both have, giving rows only in the source, rows only in the target and identical rows.
"""

from __future__ import annotations

import json
import threading
import typing as t

from .protocol import BridgeError

if t.TYPE_CHECKING:
    from .session import Session

# Where SQLMesh's keyed table diff puts its temporary tables when no temp schema is given.
TABLE_DIFF_TEMP_SCHEMA = "sqlmesh_temp"
_schema_lock = threading.Lock()
COUNT_ALIAS = "__sqlmesh_action_n"


def table_diff(session: "Session", params: dict) -> dict:
    context = session.require_context()
    model = context.models.get(params["fqn"])
    if model is None:
        raise BridgeError("unknown_model", f"model {params['fqn']} is not in the loaded project")
    adapter = _adapter_for(context, model)
    source = _view(session, params["source"], model.fqn, adapter.dialect)
    target = _view(session, params["target"], model.fqn, adapter.dialect)
    if source is None or target is None:
        missing = params["source"] if source is None else params["target"]
        return {"diffed": False, "detail": f"environment '{missing}' has no snapshot of this model"}
    where = window_predicate(params.get("window"))
    source_columns = adapter.columns(source)
    target_columns = adapter.columns(target)
    result: dict = {
        "diffed": True,
        "schema": schema_diff(source_columns, target_columns),
        "source_table": source.sql(dialect=adapter.dialect),
        "target_table": target.sql(dialect=adapter.dialect),
    }
    grain = list(model.on or [])
    problem = grain_problem(adapter, model, grain, source, target, source_columns, target_columns, where) if grain else None
    if grain and problem is None:
        result.update(_keyed_diff(session, adapter, model, grain, source, target, where, params))
    else:
        result.update(_whole_row_diff(adapter, source, target, source_columns, target_columns, where, params))
    result["grain"] = grain
    result["grain_problem"] = problem
    return result


def _adapter_for(context: t.Any, model: t.Any) -> t.Any:
    gateway = getattr(model, "gateway", None)
    if gateway and hasattr(context, "_get_engine_adapter"):
        return context._get_engine_adapter(gateway)
    return context.engine_adapter


def _view(session: "Session", environment: str, fqn: str, dialect: str) -> t.Any:
    """The environment's view of the model (its virtual layer points at the right table, previews included)."""
    env = session.environment_record(environment)
    if env is None:
        raise BridgeError("no_environment", f"environment '{environment}' does not exist in SQLMesh's state")
    snapshot = session.snapshot_info(environment, fqn)
    if snapshot is None:
        return None
    return snapshot.qualified_view_name.table_for_environment(env.naming_info, dialect=dialect)


def schema_diff(source: t.Dict[str, t.Any], target: t.Dict[str, t.Any]) -> dict:
    return {
        "added": [[name, kind.sql()] for name, kind in target.items() if name not in source],
        "removed": [[name, kind.sql()] for name, kind in source.items() if name not in target],
        "modified": [[name, kind.sql(), target[name].sql()] for name, kind in source.items() if name in target and target[name] != kind],
    }


def grain_problem(adapter: t.Any, model: t.Any, grain: t.List[str], source: t.Any, target: t.Any, source_columns: dict, target_columns: dict, where: t.Any) -> t.Optional[dict]:
    """Why the declared grain cannot be the join key, or None when it can: a column the tables lack, or keys that are
    duplicated or null (a join on them would multiply or drop rows)."""
    keys = [_column_name(column, model.dialect) for column in grain]
    missing = [key for key in keys if key not in source_columns or key not in target_columns]
    if missing:
        return {"kind": "missing-columns", "missing": missing, "columns": list(target_columns) or list(source_columns)}
    source_health = _key_health(adapter, source, keys, where)
    target_health = _key_health(adapter, target, keys, where)
    if any(source_health) or any(target_health):
        return {
            "kind": "not-unique",
            "duplicate_keys": {"source": source_health[0], "target": target_health[0]},
            "null_key_rows": {"source": source_health[1], "target": target_health[1]},
        }
    return None


def _column_name(column: str, dialect: t.Any) -> str:
    from sqlglot import exp
    from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

    return normalize_identifiers(exp.parse_identifier(column, dialect=dialect), dialect=dialect).name


def _key_health(adapter: t.Any, table: t.Any, keys: t.List[str], where: t.Any) -> t.Tuple[int, int]:
    """(keys that occur more than once, rows with a null key part) in one table."""
    from sqlglot import exp

    columns = [exp.column(key, quoted=True) for key in keys]
    count = exp.column(COUNT_ALIAS, quoted=True)
    per_key = exp.select(*columns, exp.func("COUNT", exp.Star()).as_(COUNT_ALIAS, quoted=True)).from_(table).where(where).group_by(*columns)
    any_null = exp.or_(*(column.copy().is_(exp.null()) for column in columns))
    query = exp.select(
        exp.func("SUM", exp.Case().when(count > 1, exp.Literal.number(1)).else_(exp.Literal.number(0))),
        exp.func("SUM", exp.Case().when(any_null, count.copy()).else_(exp.Literal.number(0))),
    ).from_(per_key.subquery("k"))
    row = adapter.fetchone(query)
    return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)


def _keyed_diff(session: "Session", adapter: t.Any, model: t.Any, grain: t.List[str], source: t.Any, target: t.Any, where: t.Any, params: dict) -> dict:
    ensure_temp_schema(session, adapter)
    diff = _table_diff_class()(
        adapter=adapter,
        # TableDiff takes names as text; quoted parts survive the round trip (a name may hold `|`, `(`, ...).
        source=source.sql(dialect=adapter.dialect),
        target=target.sql(dialect=adapter.dialect),
        on=grain,
        where=where,
        # No samples asked for: LIMIT 0, so that no rows come back.
        limit=int(params.get("sample_limit") or 0),
        source_alias=params["source"],
        target_alias=params["target"],
        model_name=model.name,
        model_dialect=model.dialect,
        decimals=int(params.get("decimals", 3)),
    )
    rows = diff.row_diff(temp_schema=session.temp_schema, skip_grain_check=True)
    result = {
        "method": "grain",
        "stats": {key: number(value) for key, value in rows.stats.items()},
        # A column of an empty comparison has no match percentage (0 of 0): it is left out, not reported as 0%.
        "column_match_pct": {
            str(column): float(value) for column, value in rows.column_stats["pct_match"].to_dict().items() if _is_finite(value)
        },
    }
    if params.get("sample_limit"):
        result["samples"] = {
            "source_only": frame_rows(rows.s_sample),
            "target_only": frame_rows(rows.t_sample),
            "changed": frame_rows(rows.joined_sample),
        }
    return result


_TABLE_DIFF_CLASS: t.Any = None


def _table_diff_class() -> t.Any:
    """SQLMesh's `TableDiff`, except that it asks for no sample rows when none are wanted.

    `TableDiff.row_diff` runs its sample query even with a limit of 0 (about an eighth of a diff's time), and has no
    parameter to leave it out. The subclass overrides only the one method that fetches the sample: with a limit of 0
    it returns the empty frame the query would have returned, with the same columns, so that the rest of `row_diff`
    (which slices the sample by those columns) runs unchanged. Built on first use: SQLMesh is imported lazily."""
    global _TABLE_DIFF_CLASS
    if _TABLE_DIFF_CLASS is None:
        from sqlmesh.core.table_diff import SQLMESH_SAMPLE_TYPE_COL, TableDiff

        class CountsOnlyWithoutSamples(TableDiff):
            def _fetch_sample(self, sample_table: t.Any, s_selects: dict, s_index: list, t_selects: dict, t_index: list, limit: int) -> t.Any:
                if limit > 0:
                    return super()._fetch_sample(sample_table, s_selects, s_index, t_selects, t_index, limit)
                import pandas as pd

                columns = [SQLMESH_SAMPLE_TYPE_COL, *(select.alias for select in [*s_selects.values(), *t_selects.values()])]
                return pd.DataFrame(columns=columns)

        _TABLE_DIFF_CLASS = CountsOnlyWithoutSamples
    return _TABLE_DIFF_CLASS


def _whole_row_diff(adapter: t.Any, source: t.Any, target: t.Any, source_columns: dict, target_columns: dict, where: t.Any, params: dict) -> dict:
    """Both tables as multisets of rows over their common columns (floats rounded to `decimals`, retyped columns
    compared as text). NULLs group together, so a row with NULLs matches its twin."""
    from sqlglot import exp

    common = [name for name in source_columns if name in target_columns]
    if not common:
        raise BridgeError("no_common_columns", "the two tables have no column in common, so no row can match")
    decimals = int(params.get("decimals", 3))
    aliases = [f"c{index}" for index in range(len(common))]

    def side(table: t.Any, in_source: int) -> t.Any:
        values = [_comparable(adapter, name, source_columns[name], target_columns[name], decimals).as_(alias) for name, alias in zip(common, aliases)]
        return exp.select(*values, exp.Literal.number(in_source).as_("s_side"), exp.Literal.number(1 - in_source).as_("t_side")).from_(table).where(where)

    both = exp.union(side(source, 1), side(target, 0), distinct=False)
    grouped = (
        exp.select(*aliases, exp.func("SUM", exp.column("s_side")).as_("s_n"), exp.func("SUM", exp.column("t_side")).as_("t_n"))
        .from_(both.subquery("u"))
        .group_by(*aliases)
    )
    s_n, t_n = exp.column("s_n"), exp.column("t_n")
    totals = exp.select(
        exp.func("SUM", s_n),
        exp.func("SUM", t_n),
        exp.func("SUM", exp.Case().when(s_n < t_n, s_n.copy()).else_(t_n.copy())),
    ).from_(grouped.subquery("g"))
    row = adapter.fetchone(totals) or (0, 0, 0)
    s_count, t_count, identical = (int(value or 0) for value in row)
    result: dict = {
        "method": "whole-rows",
        "stats": {
            "s_count": s_count,
            "t_count": t_count,
            "s_only_count": s_count - identical,
            "t_only_count": t_count - identical,
            "join_count": identical,
            "full_match_count": identical,
        },
        "column_match_pct": {},
    }
    limit = int(params.get("sample_limit") or 0)
    if limit:
        result["samples"] = _whole_row_samples(adapter, grouped, common, aliases, limit)
    return result


def _comparable(adapter: t.Any, name: str, source_type: t.Any, target_type: t.Any, decimals: int) -> t.Any:
    from sqlglot import exp

    column = exp.column(name, quoted=True)
    if source_type != target_type or source_type.is_type(exp.DataType.Type.JSON, exp.DataType.Type.JSONB):
        return exp.cast(column, exp.DataType.build("TEXT"))
    if source_type.is_type(*exp.DataType.REAL_TYPES):
        return adapter._normalize_decimal_value(column, decimals)
    if source_type.is_type(*exp.DataType.NESTED_TYPES):
        return adapter._normalize_nested_value(column)
    return column


def _whole_row_samples(adapter: t.Any, grouped: t.Any, common: t.List[str], aliases: t.List[str], limit: int) -> dict:
    from sqlglot import exp

    def sample(condition: t.Any) -> list:
        query = exp.select(*aliases).from_(grouped.subquery("g")).where(condition).limit(limit)
        return [dict(zip(common, (json.loads(json.dumps(value, default=str)) for value in row))) for row in adapter.fetchall(query)]

    s_n, t_n = exp.column("s_n"), exp.column("t_n")
    return {"source_only": sample(s_n > t_n), "target_only": sample(t_n > s_n), "changed": []}


def ensure_temp_schema(session: "Session", adapter: t.Any) -> None:
    """Creates the schema keyed diffs put their temporary tables in, once, before diffs run side by side: PostgreSQL
    fails concurrent `CREATE SCHEMA IF NOT EXISTS` of one name with a unique violation."""
    with _schema_lock:
        if not session.temp_schema_ready:
            adapter.create_schema(session.temp_schema)
            session.temp_schema_ready = True


def window_predicate(window: t.Optional[dict]) -> t.Any:
    """`column >= start AND column < end`, built as an expression so that it is quoted right in any dialect."""
    if not window:
        return None
    from sqlglot import exp

    column = exp.column(window["column"])
    return exp.and_(column >= exp.Literal.string(window["start"]), column < exp.Literal.string(window["end"]))


def number(value: t.Any) -> float:
    """A count from SQLMesh's stats; missing or not a number reads as 0."""
    return float(value) if _is_finite(value) else 0.0


def _is_finite(value: t.Any) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return number == number and number not in (float("inf"), float("-inf"))


def frame_rows(frame: t.Any) -> list:
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))
