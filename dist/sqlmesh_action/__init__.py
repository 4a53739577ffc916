"""The thin Python side of the action's SQLMesh adapter.

One process per action run: the TypeScript side starts it, sends one JSON request per line on stdin and reads one JSON
response per line from the protocol stream. The SQLMesh project is loaded once and reused by every later request.
These modules only translate between the protocol and SQLMesh's Python API: no graph logic, no rendering.

    protocol   the JSON-lines stream, errors, the request loop
    console    a console wrapper that records what SQLMesh reports while it plans and applies
    project    load the project, describe models, what changed, environments, times, YAML
    plan       plan and apply environments, restatements, row counts
    diff       table diffs: keyed on a checked grain, or whole rows (multisets) without one
    workers    diffs side by side: worker processes forked after the load, each with its own connection
    session    the loaded context shared by all of them, and the method table
"""
