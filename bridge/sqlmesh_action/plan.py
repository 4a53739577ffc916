"""Plan and apply: pull-request environments, deploys to prod, restatements, and the row counts around them."""

from __future__ import annotations

import time
import typing as t

from .console import describe_plan_failure, recorder
from .protocol import BridgeError, is_connection_error

if t.TYPE_CHECKING:
    from .session import Session


def plan(session: "Session", params: dict) -> dict:
    """Plan and apply an environment, non-interactively. With `restate`, the named models (and SQLMesh's cascade
    downstream of them) are rebuilt over [start, end) in that environment."""
    context = session.require_context()
    started = time.monotonic()
    recorded = recorder()
    recorded.reset()
    try:
        applied = context.plan(
            params["environment"],
            start=params.get("start") or None,
            end=params.get("end") or None,
            restate_models=params.get("restate") or None,
            no_prompts=True,
            auto_apply=True,
            skip_tests=bool(params.get("skip_tests")),
            skip_linter=True,
            no_diff=True,
            enable_preview=_preview(context),
        )
    except Exception as error:  # noqa: BLE001 - SQLMesh's message alone does not name the test, audit or model
        if is_connection_error(error):
            raise
        names = {model.fqn: model.name for model in context.models.values()}
        raise BridgeError("plan", describe_plan_failure(error, recorded, names))
    finally:
        session.forget_environment(params["environment"])
    return {
        "has_changes": bool(applied.has_changes),
        "audit_failures": recorded.audit_warnings,
        "seconds": round(time.monotonic() - started, 3),
        "evaluated": sorted(recorded.durations_ms),
    }


def restate(session: "Session", params: dict) -> dict:
    """Restate models in prod from a start date; SQLMesh cascades the restatement downstream.

    Returns what SQLMesh planned per model (the interval after clamping to the model's start or widening for kinds that
    rebuild all history), and unless `dry_run`, what happened: per model the evaluation time, rows before and after,
    the models that failed (with SQLMesh's error) and those skipped because something upstream failed.
    """
    context = session.require_context()
    environment = params.get("environment") or "prod"
    built = context.plan_builder(
        environment,
        restate_models=params["models"],
        start=params.get("start") or None,
        end=params.get("end") or None,
        skip_tests=True,
        skip_linter=True,
    ).build()
    planned = {snapshot.name: [int(interval[0]), int(interval[1])] for snapshot, interval in built.restatements.items()}
    result: dict = {"planned": planned, "has_local_changes": bool(built.has_changes)}
    if params.get("dry_run"):
        return result
    if built.has_changes:
        raise BridgeError(
            "undeployed_changes",
            f"the project differs from '{environment}': deploy it first (a restatement ignores local changes)",
        )
    result["rows_before"] = _row_counts(session, planned.keys())
    recorded = recorder()
    recorded.reset()
    started = time.monotonic()
    try:
        context.apply(built)
        result["error"] = None
    except Exception as error:  # noqa: BLE001 - a failed model is reported per model, not raised
        result["error"] = str(error) or type(error).__name__
    finally:
        session.forget_environment(environment)
    result["seconds"] = round(time.monotonic() - started, 3)
    result["evaluated"] = {name: round(ms / 1000, 3) for name, ms in recorded.durations_ms.items()}
    result["failed"] = recorded.failed
    result["skipped"] = sorted(recorded.skipped)
    result["rows_after"] = _row_counts(session, planned.keys())
    return result


def row_counts(session: "Session", params: dict) -> dict:
    """Rows per model in an environment's views (prod: the model names themselves); null where there is no table."""
    return {"counts": _row_counts(session, params["models"])}


def invalidate(session: "Session", params: dict) -> dict:
    """Marks an environment for removal; SQLMesh's janitor drops its views and tables later."""
    context = session.require_context()
    name = params["environment"]
    env = context.state_reader.get_environment(name)
    if env is None:
        return {"existed": False, "already_invalidated": False}
    if getattr(env, "expired", False):
        # Closed before (a re-run, or a second 'closed' event): SQLMesh's janitor has not dropped it yet.
        return {"existed": True, "already_invalidated": True}
    context.invalidate_environment(name)
    session.forget_environment(name)
    return {"existed": True, "already_invalidated": False}


def _row_counts(session: "Session", fqns: t.Iterable[str]) -> dict:
    from sqlglot import exp

    counts = {}
    adapter = session.require_context().engine_adapter
    for fqn in fqns:
        try:
            row = adapter.fetchone(exp.select(exp.func("COUNT", exp.Star())).from_(exp.to_table(fqn)))
            counts[fqn] = int(row[0]) if row else 0
        except Exception:  # noqa: BLE001 - a table that does not exist yet has no rows to count
            counts[fqn] = None
    return counts


def _preview(context: t.Any) -> bool:
    """Forward-only changes get a preview built in the PR environment, so that they can be compared at all; SQLMesh
    leaves it off by default for dbt projects on engines without cloning. A project whose config turns previews off
    explicitly keeps them off, and the action then reports those models as not previewed."""
    configured = getattr(getattr(context.config, "plan", None), "enable_preview", None)
    return configured is not False
