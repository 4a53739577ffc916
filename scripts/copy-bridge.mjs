// Ships the Python side of the SQLMesh adapter beside the bundle, where dist/index.js looks for it.
import { copyFileSync } from 'node:fs'

copyFileSync(new URL('../bridge/sqlmesh_bridge.py', import.meta.url), new URL('../dist/sqlmesh_bridge.py', import.meta.url))
