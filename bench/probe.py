"""Counts SQLMesh project loads and timestamps the bridge protocol, for bench/ (run with the project's .venv Python).

    probe.py [-u] <path to sqlmesh_bridge.py>   the action's bridge, as the action starts it (the `python` input
                                                 points at a two-line shell wrapper that execs this)
    probe.py --sqlmesh-cli <sqlmesh arguments>   SQLMesh's own CLI: the same call as .venv/bin/sqlmesh

Both modes append JSON lines to $BENCH_PROBE_LOG:
    {"event": "start"}                               the interpreter is up (before SQLMesh is imported)
    {"event": "cli", "argv": [...]}                  the CLI is about to run (SQLMesh imported)
    {"event": "context_load", "seconds": ...}        every GenericContext.load() (a full project load), whoever calls it
    {"event": "request", "method": ..., "id": ...}   every protocol line the bridge reads from the action
    {"event": "response", "id": ..., "ok": ...}      every protocol line the bridge writes back
each with "t" (epoch seconds), "cpu" (the process's CPU seconds so far), "pid", "rss" (the process's peak resident set
size so far, KiB) and "children_rss" (the same for the largest child process waited for so far). Its only extra work
is one appended line per event. With $BENCH_PROBE_CPROFILE set, the bridge's table diffs also run under cProfile.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import sys
import threading
import time

LOG = os.environ.get("BENCH_PROBE_LOG")
_lock = threading.Lock()


def note(event: str, **fields: object) -> None:
    if not LOG:
        return
    # "cpu": CPU seconds of the whole process (every thread) so far: set against wall time it tells whether a phase
    # kept Python busy or waited on the warehouse.
    # "rss": peak resident set size of this process so far (ru_maxrss, KiB on Linux): read at every event, so the last
    # event before exit holds the run's peak even when the bridge leaves with os._exit (no atexit hook runs then).
    # "children_rss": the largest peak of the child processes waited for so far (SQLMesh's loader workers, forked diff
    # workers).
    record = {
        "t": time.time(),
        "cpu": time.process_time(),
        "pid": os.getpid(),
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "children_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "event": event,
        **fields,
    }
    line = json.dumps(record, default=str)
    with _lock, open(LOG, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def count_context_loads() -> None:
    """Wraps GenericContext.load: Context(load=True) and the bridge's explicit context.load() both go through it."""
    from sqlmesh.core.context import GenericContext

    original = GenericContext.load

    def load(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.time()
        try:
            return original(self, *args, **kwargs)
        finally:
            note("context_load", seconds=round(time.time() - started, 4))

    GenericContext.load = load  # type: ignore[method-assign]


class LoggedLines:
    """stdin for the bridge's `for line in sys.stdin` loop, noting each request as the bridge reads it."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def __iter__(self):  # type: ignore[no-untyped-def]
        for line in self.inner:
            try:
                request = json.loads(line)
                note("request", id=request.get("id"), method=request.get("method"))
            except ValueError:
                pass
            yield line

    def __getattr__(self, name: str) -> object:
        # Everything else (close, fileno, ...) is the real stdin's: SQLMesh's loader forks worker processes, and
        # multiprocessing closes stdin in each of them.
        return getattr(self.inner, name)


def run_bridge(path: str) -> None:
    # Imported under its own name (not __main__), so that the protocol's `respond` can be wrapped before main() runs;
    # importing it does what running it does first: the protocol module keeps fd 1 and points stdout at stderr. Run as
    # a script, the bridge finds its package (sqlmesh_action) beside it through sys.path[0]; here sys.path[0] is bench/,
    # so the bridge's folder goes first, as running it would.
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location("sqlmesh_bridge", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["sqlmesh_bridge"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    from sqlmesh_action import protocol

    respond = protocol.respond

    def logged_respond(message: dict) -> None:
        # Noted just before the write: once written, the action may send the next request at once, and its "request"
        # line must not come before this one.
        note("response", id=message.get("id"), ok=bool(message.get("ok")))
        respond(message)

    protocol.respond = logged_respond  # handle() and serve() look it up in the module at each call
    # The forked diff workers answer through the name workers.py imported, so it is wrapped there too.
    from sqlmesh_action import workers

    workers.respond = logged_respond
    time_table_diffs()
    if os.environ.get("BENCH_PROBE_CPROFILE"):
        profile_table_diffs(os.environ["BENCH_PROBE_CPROFILE"])
    sys.stdin = LoggedLines(sys.stdin)  # type: ignore[assignment]
    sys.argv = [path]
    module.main()


def time_table_diffs() -> None:
    """Notes each table diff's own time, in whichever process runs it (the bridge, or a forked diff worker): with
    workers, the time from a request to its answer includes the wait for a free worker, which is not a diff's cost."""
    from sqlmesh_action import diff

    original = diff.table_diff

    def table_diff(session, params):  # type: ignore[no-untyped-def]
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return original(session, params)
        finally:
            # cpu_seconds: the diff's CPU in its process. With more diffs than cores in flight, a diff's wall time
            # counts the waits for a core too; its CPU time is what the diff itself costs, at any concurrency.
            note("diff_done", seconds=time.perf_counter() - started, cpu_seconds=time.process_time() - cpu)

    diff.table_diff = table_diff  # session.main() binds the handlers when it runs, after this


def profile_table_diffs(path: str) -> None:
    """cProfile over every table_diff request (one profiler, so meant for diff-concurrency 1, where the bridge runs
    diffs on its main thread), written as pstats text sorted by cumulative time when the bridge exits."""
    import atexit
    import cProfile
    import io
    import pstats

    from sqlmesh_action import diff

    profiler = cProfile.Profile()
    original = diff.table_diff

    def table_diff(session, params):  # type: ignore[no-untyped-def]
        profiler.enable()
        try:
            return original(session, params)
        finally:
            profiler.disable()

    diff.table_diff = table_diff  # session.main() binds the handlers when it runs, after this

    def write() -> None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(out.getvalue())
        with open(path + ".json", "w", encoding="utf-8") as handle:
            json.dump(summarize_profile(stats), handle)

    atexit.register(write)


def summarize_profile(stats: object) -> dict:
    """Self time per kind of work, and the functions with the most self time, for the bench's table."""
    groups: dict = {}
    functions = []
    total = 0.0
    for (filename, line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        group = profile_group(filename, name)
        groups[group] = groups.get(group, 0.0) + tottime
        total += tottime
        short = filename.split("site-packages/")[-1] if "site-packages/" in filename else os.path.basename(filename)
        functions.append([f"{name} {short}:{line}", tottime])
    functions.sort(key=lambda item: -item[1])
    # Inclusive time of SQLMesh's table-diff steps: which step of a diff the self time above belongs to.
    steps = [
        [f"{name} {filename.split('site-packages/')[-1]}:{line}", cumtime, calls]
        for (filename, line, name), (_cc, calls, _tt, cumtime, _callers) in stats.stats.items()  # type: ignore[attr-defined]
        if filename.endswith("sqlmesh/core/table_diff.py") and not name.startswith("<")
    ]
    steps.sort(key=lambda item: -item[1])
    return {"total": total, "groups": groups, "top": functions[:10], "steps": steps[:8]}


def profile_group(filename: str, name: str) -> str:
    if "psycopg2" in name or "duckdb" in name:
        return "database driver calls (waiting on the warehouse)"
    if "site-packages/sqlglot" in filename:
        return "sqlglot (build, parse, generate SQL)"
    if filename.endswith("/copy.py"):
        return "copy.deepcopy (of sqlglot expressions)"
    if "site-packages/sqlmesh" in filename:
        return "sqlmesh"
    if "site-packages/pandas" in filename or "site-packages/numpy" in filename:
        return "pandas / numpy"
    return "other Python"


def run_cli(args: list[str]) -> int:
    from sqlmesh.cli.main import cli

    note("cli", argv=args)
    sys.argv = ["sqlmesh", *args]
    return cli()


def main(argv: list[str]) -> int:
    note("start")  # before SQLMesh is imported: the interpreter is up
    count_context_loads()
    if argv and argv[0] == "--sqlmesh-cli":
        return run_cli(argv[1:]) or 0
    scripts = [arg for arg in argv if not arg.startswith("-")]
    if not scripts:
        raise SystemExit(__doc__)
    run_bridge(scripts[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
