"""A console wrapper that records, while SQLMesh plans and applies, what the action reports: per model evaluation
time, failures and skips, failing tests and the audits SQLMesh only warns about. Every call is passed on, so the log
shows what SQLMesh's own CLI would print."""

from __future__ import annotations

import re
import typing as t

from .protocol import strip_ansi


class Recorder:
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


_RECORDER: t.Optional[Recorder] = None


def recorder() -> Recorder:
    """The recording console, installed once before the first Context is made (Context takes the global console)."""
    global _RECORDER
    if _RECORDER is None:
        from sqlmesh.core.console import create_console, set_console

        # The console SQLMesh's CLI would pick here (Markdown under CI), so that the log shows what it did.
        _RECORDER = Recorder(create_console())
        set_console(_RECORDER)
    return _RECORDER


def describe_plan_failure(error: Exception, recorded: Recorder, names: t.Dict[str, str]) -> str:
    """SQLMesh's plan errors ("Plan application failed.", "failing test(s)") with what it printed: which tests, which
    models, which audits."""
    parts = [strip_ansi(str(error)).strip() or type(error).__name__]
    if recorded.failed_tests:
        parts.append("Failing tests: " + "; ".join(recorded.failed_tests))
    if recorded.failed:
        parts.append(
            "Failed models: "
            + "; ".join(f"{names.get(item['model'], item['model'])}: {strip_ansi(item['error'])}" for item in recorded.failed)
        )
    return "\n".join(parts)
