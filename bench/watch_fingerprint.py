"""Watch-mode benchmark: fingerprinting a source on DuckDB (one aggregate query, per day, built by the bridge's own
fingerprint_query) against a plain COUNT(*) of the same table and against a full scan that reads every value as text,
side by side in one run. Part 6 of `npm run bench` (bench/lib/watch.mjs) runs it with --json.

    .venv/bin/python bench/watch_fingerprint.py [rows] [--runs N] [--json]   (default 10,000,000 rows, median of 3 runs)
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bridge"))

# The bridge's protocol module, imported with watch, points fd 1 at stderr: keep the real stdout for the results.
OUT = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)

from sqlmesh.core.config.connection import DuckDBConnectionConfig  # noqa: E402

from sqlmesh_action import watch  # noqa: E402

# The fairer reference: every value of every column read and turned into text, as the fingerprint does before hashing.
# What the fingerprint costs beyond it is the MD5 and the hex-digit arithmetic.
FULL_SCAN = (
    "SELECT SUM(LENGTH(CAST(id AS TEXT)) + LENGTH(CAST(event_date AS TEXT)) + LENGTH(user_name) "
    "+ LENGTH(CAST(amount AS TEXT))) FROM landing.events"
)


def timed(run, runs):
    """The median seconds of `runs` calls, and the first call's result."""
    seconds, first = [], None
    for index in range(runs):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
        if index == 0:
            first = result
    return statistics.median(seconds), seconds, first


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = args.rows
    with tempfile.TemporaryDirectory() as folder:
        adapter = DuckDBConnectionConfig(database=os.path.join(folder, "bench.duckdb")).create_engine_adapter()
        adapter.execute("CREATE SCHEMA landing")
        started = time.perf_counter()
        adapter.execute(
            "CREATE TABLE landing.events AS SELECT i AS id, DATE '2025-01-01' + CAST(i % 365 AS INTEGER) AS event_date, "
            f"'user_' || CAST(i % 100000 AS VARCHAR) AS user_name, i * 0.25 AS amount FROM range({rows}) AS t(i)"
        )
        create_seconds = time.perf_counter() - started
        source = {"name": "landing.events", "table": "landing.events", "time_column": "event_date", "bucket": "day"}
        count = timed(lambda: adapter.fetchall("SELECT COUNT(*) FROM landing.events"), max(3, args.runs))
        scan = timed(lambda: adapter.fetchall(FULL_SCAN), args.runs)
        fingerprint = timed(lambda: watch._fingerprint(adapter, source), args.runs)
        buckets = fingerprint[2]
        # The fingerprint must have seen every row, or its time says nothing.
        assert sum(bucket["rows"] for bucket in buckets) == count[2][0][0] == rows
        result = {
            "rows": rows,
            "buckets": len(buckets),
            "createSeconds": create_seconds,
            "countSeconds": count[0],
            "countRuns": count[1],
            "scanSeconds": scan[0],
            "scanRuns": scan[1],
            "fingerprintSeconds": fingerprint[0],
            "fingerprintRuns": fingerprint[1],
        }
    if args.json:
        print(json.dumps(result), file=OUT)
        return
    print(f"rows: {rows:,}; buckets: {len(buckets)} days", file=OUT)
    print(f"COUNT(*): {count[0]:.3f}s", file=OUT)
    print(f"full scan, every value as text: {scan[0]:.3f}s", file=OUT)
    print(f"fingerprint (count + MD5-based hash per day, one query): {fingerprint[0]:.3f}s", file=OUT)
    print(
        f"fingerprint / COUNT(*): {fingerprint[0] / count[0]:.0f}x; fingerprint / full scan: "
        f"{fingerprint[0] / scan[0]:.1f}x; {rows / fingerprint[0] / 1e6:.2f}M rows/s",
        file=OUT,
    )


if __name__ == "__main__":
    main()
