// Ships the Python side of the SQLMesh adapter beside the bundle, where dist/index.js looks for it: the entry script
// and its package, without caches.
import { cpSync, copyFileSync, rmSync } from 'node:fs'

const from = name => new URL(`../bridge/${name}`, import.meta.url)
const to = name => new URL(`../dist/${name}`, import.meta.url)
copyFileSync(from('sqlmesh_bridge.py'), to('sqlmesh_bridge.py'))
rmSync(to('sqlmesh_action'), { recursive: true, force: true })
cpSync(from('sqlmesh_action'), to('sqlmesh_action'), {
  recursive: true,
  filter: source => !source.includes('__pycache__')
})
