"""Entry point of the Python side of the action's SQLMesh adapter: `python sqlmesh_bridge.py`.

The work lives in the `sqlmesh_action` package beside this file, one module per capability, the same shape as the
TypeScript side's `src/sqlmesh/`. Protocol first: it takes the process's stdout for itself before anything else loads.
"""

from sqlmesh_action import protocol  # noqa: F401 - must come first: it claims stdout for the protocol
from sqlmesh_action.session import main

if __name__ == "__main__":
    main()
