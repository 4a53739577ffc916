"""Watch mode: fingerprints of source data per time bucket, and the table in the warehouse that keeps them.

A fingerprint is a row count and an order-independent content hash per bucket, computed by one aggregate query per
source, built with sqlglot expressions and run through SQLMesh's engine adapter in the gateway's dialect. Rows never
leave the warehouse: only (bucket, count, two sums) come back.
"""

from __future__ import annotations

import typing as t

from .protocol import BridgeError

if t.TYPE_CHECKING:
    from sqlglot import exp

    from .session import Session

BUCKETS = ("day", "week", "month")
STATE_TABLE = "watch_fingerprints"
# The fingerprint table's columns, in order, with their types.
STATE_COLUMNS = {"source": "TEXT", "bucket": "TEXT", "row_count": "BIGINT", "content_hash": "TEXT", "recorded_at": "TIMESTAMP"}
# A row's text: each column cast to text, NULL spelled out (so that NULL and '' differ), joined by a unit separator.
NULL_TEXT = "\\N"
SEPARATOR = "\x1f"
HEX_DIGITS = "0123456789abcdef"


def fingerprints(session: "Session", params: dict) -> dict:
    """Per source, the buckets of its rows with their count and hash. A source that cannot be read is reported with
    its error, not raised, so that one missing table does not hide the others."""
    adapter = session.require_context().engine_adapter
    results = []
    for source in params["sources"]:
        try:
            results.append({"name": source["name"], "buckets": _fingerprint(adapter, source), "error": None})
        except BridgeError:
            raise
        except Exception as error:  # noqa: BLE001 - reported per source
            results.append({"name": source["name"], "buckets": [], "error": str(error).strip() or type(error).__name__})
    return {"sources": results}


def _fingerprint(adapter: t.Any, source: dict) -> t.List[dict]:
    from sqlglot import exp

    table = exp.to_table(source["table"], dialect=adapter.dialect)
    columns = adapter.columns(table)
    if not columns:
        raise BridgeError("watch_source", f"source '{source['name']}' ({source['table']}) has no columns")
    time_column = source.get("time_column")
    bucket = source.get("bucket") or "day"
    if bucket not in BUCKETS:
        raise BridgeError("watch_settings", f"source '{source['name']}': bucket '{bucket}' is not one of {', '.join(BUCKETS)}")
    bucket_expr: exp.Expression = exp.Literal.string("*")
    if time_column:
        actual = next((name for name in columns if name.lower() == str(time_column).lower()), None)
        if actual is None:
            raise BridgeError(
                "watch_settings",
                f"source '{source['name']}': time column '{time_column}' is not a column of {source['table']} "
                f"(its columns: {', '.join(sorted(columns))})",
            )
        truncated = exp.DateTrunc(unit=exp.var(bucket.upper()), this=exp.column(actual, quoted=True))
        bucket_expr = exp.cast(exp.cast(truncated, exp.DataType.Type.DATE), exp.DataType.Type.TEXT)
    query = fingerprint_query(table, sorted(columns), bucket_expr)
    rows = adapter.fetchall(query)
    return sorted(
        (
            {"bucket": "null" if row[0] is None else str(row[0])[:10] if time_column else "*", "rows": int(row[1]), "hash": f"{int(row[2] or 0)}:{int(row[3] or 0)}"}
            for row in rows
        ),
        key=lambda item: item["bucket"],
    )


def fingerprint_query(table: "exp.Table", columns: t.List[str], bucket: "exp.Expression") -> "exp.Select":
    """SELECT bucket, COUNT(*), SUM(high 32 bits of MD5(row)), SUM(next 32 bits) ... GROUP BY bucket.

    The MD5's hex digits become numbers through STRPOS('0123456789abcdef', digit) - 1, which sqlglot writes in every
    dialect it knows: nothing dialect-specific is written here. Sums of 32-bit values are order-independent and do not
    overflow a BIGINT before 2^31 rows per bucket (they are summed as DECIMAL anyway)."""
    from sqlglot import exp

    parts: t.List[exp.Expression] = []
    for index, name in enumerate(columns):
        if index > 0:
            parts.append(exp.Literal.string(SEPARATOR))
        as_text = exp.cast(exp.column(name, quoted=True), exp.DataType.Type.TEXT)
        parts.append(exp.func("COALESCE", as_text, exp.Literal.string(NULL_TEXT)))
    row_text = parts[0] if len(parts) == 1 else exp.DPipe(this=parts[0], expression=parts[1])
    for part in parts[2:]:
        row_text = exp.DPipe(this=row_text, expression=part)
    inner = exp.select(bucket.as_("bucket"), exp.MD5(this=row_text).as_("digest")).from_(table).subquery("hashed")

    def slice_value(first: int) -> exp.Expression:
        # BIGINT from the start: PostgreSQL would do the arithmetic in 32-bit integers and overflow.
        value: exp.Expression = exp.cast(exp.Literal.number(0), exp.DataType.Type.BIGINT)
        for position in range(first, first + 8):
            digit = exp.Substring(this=exp.column("digest"), start=exp.Literal.number(position), length=exp.Literal.number(1))
            nibble = exp.Sub(this=exp.StrPosition(this=exp.Literal.string(HEX_DIGITS), substr=digit), expression=exp.Literal.number(1))
            value = exp.Add(this=exp.Mul(this=exp.paren(value), expression=exp.Literal.number(16)), expression=nibble)
        return exp.func("SUM", exp.cast(value, exp.DataType.build("DECIMAL(38, 0)")))

    return (
        exp.select(exp.column("bucket"), exp.func("COUNT", exp.Star()), slice_value(1), slice_value(9))
        .from_(inner)
        .group_by(exp.column("bucket"))
    )


def _state_table(schema: str) -> "exp.Table":
    from sqlglot import exp

    return exp.table_(STATE_TABLE, db=schema)


def _state_columns() -> t.Dict[str, "exp.DataType"]:
    from sqlglot import exp

    return {name: exp.DataType.build(kind) for name, kind in STATE_COLUMNS.items()}


def _ensure_state_table(adapter: t.Any, schema: str) -> None:
    adapter.create_schema(schema, ignore_if_exists=True, warn_on_error=False)
    adapter.create_table(
        _state_table(schema),
        _state_columns(),
        exists=True,
    )


def state(session: "Session", params: dict) -> dict:
    """The fingerprints recorded so far, per source; sources never recorded are absent. Creates nothing."""
    adapter = session.require_context().engine_adapter
    table = _state_table(params["schema"])
    if not adapter.table_exists(table):
        return {"exists": False, "sources": {}}
    return {"exists": True, "sources": _read(adapter, table, None)}


def _read(adapter: t.Any, table: "exp.Table", names: t.Optional[t.List[str]]) -> t.Dict[str, t.List[dict]]:
    from sqlglot import exp

    query = exp.select("source", "bucket", "row_count", "content_hash").from_(table)
    if names is not None:
        query = query.where(exp.column("source").isin(*names))
    recorded: t.Dict[str, t.List[dict]] = {}
    for source, bucket, rows, digest in adapter.fetchall(query):
        recorded.setdefault(source, []).append({"bucket": bucket, "rows": int(rows), "hash": digest})
    return {name: sorted(buckets, key=lambda item: item["bucket"]) for name, buckets in recorded.items()}


def record(session: "Session", params: dict) -> dict:
    """Replaces the fingerprints of the given sources, in one transaction, only where the stored ones are still those
    the run compared against (`expected`, null for a source never recorded): a run that overlapped this one and
    recorded first is not overwritten. Returns the sources recorded and those left for the next run."""
    import datetime

    import pandas as pd
    from sqlglot import exp

    adapter = session.require_context().engine_adapter
    schema = params["schema"]
    table = _state_table(schema)
    _ensure_state_table(adapter, schema)
    sources: t.List[dict] = params["sources"]
    names = [source["name"] for source in sources]
    recorded: t.List[str] = []
    conflicts: t.List[str] = []
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    with adapter.transaction():
        current = _read(adapter, table, names) if names else {}
        rows = []
        for source in sources:
            stored = current.get(source["name"])
            if _canonical(stored) != _canonical(source.get("expected")):
                conflicts.append(source["name"])
                continue
            recorded.append(source["name"])
            rows.extend(
                {"source": source["name"], "bucket": item["bucket"], "row_count": int(item["rows"]), "content_hash": item["hash"], "recorded_at": now}
                for item in source["buckets"]
            )
        if recorded:
            adapter.delete_from(table, exp.column("source").isin(*recorded))
        if rows:
            frame = pd.DataFrame(rows, columns=list(STATE_COLUMNS))
            adapter.insert_append(
                table,
                frame,
                target_columns_to_types=_state_columns(),
            )
    return {"recorded": recorded, "conflicts": conflicts, "table": table.sql(dialect=adapter.dialect)}


def _canonical(buckets: t.Optional[t.List[dict]]) -> t.List[t.Tuple[str, int, str]]:
    return sorted((str(item["bucket"]), int(item["rows"]), str(item["hash"])) for item in buckets or [])
