"""Watch-mode benchmark: fingerprinting a 10-million-row source on DuckDB (one aggregate query, per day, built by the
bridge's own fingerprint_query) against a plain COUNT(*) of the same table, side by side in one run.

    .venv/bin/python bench/watch_fingerprint.py [rows]      (default 10,000,000; median of 3 runs each)
"""

import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bridge"))

from sqlglot import exp  # noqa: E402
from sqlmesh.core.config.connection import DuckDBConnectionConfig  # noqa: E402

from sqlmesh_action import watch  # noqa: E402


def timed(adapter, query, runs=3):
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = adapter.fetchall(query)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    with tempfile.TemporaryDirectory() as folder:
        adapter = DuckDBConnectionConfig(database=os.path.join(folder, "bench.duckdb")).create_engine_adapter()
        adapter.execute("CREATE SCHEMA landing")
        adapter.execute(
            "CREATE TABLE landing.events AS SELECT i AS id, DATE '2025-01-01' + CAST(i % 365 AS INTEGER) AS event_date, "
            f"'user_' || CAST(i % 100000 AS VARCHAR) AS user_name, i * 0.25 AS amount FROM range({rows}) AS t(i)"
        )
        count_seconds, counted = timed(adapter, "SELECT COUNT(*) FROM landing.events")
        source = {"name": "landing.events", "table": "landing.events", "time_column": "event_date", "bucket": "day"}
        started = time.perf_counter()
        buckets = watch._fingerprint(adapter, source)
        first = time.perf_counter() - started
        runs = [first]
        for _ in range(2):
            started = time.perf_counter()
            watch._fingerprint(adapter, source)
            runs.append(time.perf_counter() - started)
        fingerprint_seconds = statistics.median(runs)
        assert sum(bucket["rows"] for bucket in buckets) == counted[0][0] == rows
        print(f"rows: {rows:,}; buckets: {len(buckets)} days")
        print(f"COUNT(*): {count_seconds:.3f}s (median of 3)")
        print(f"fingerprint (count + MD5-based hash per day, one query): {fingerprint_seconds:.3f}s (median of 3)")
        print(f"ratio fingerprint / COUNT(*): {fingerprint_seconds / count_seconds:.0f}x; {rows / fingerprint_seconds / 1e6:.1f}M rows/s")


if __name__ == "__main__":
    main()
