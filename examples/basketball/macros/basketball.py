from sqlglot import exp
from sqlmesh import macro


@macro()
def point_margin(evaluator, points, allowed):
    """Points scored minus points allowed."""
    return exp.Sub(this=points, expression=allowed)
