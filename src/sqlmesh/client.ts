// The one place that talks to SQLMesh. Wraps the bridge process with typed methods that return domain types.

import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BridgeProcess, SqlMeshError } from './process.js'
import { checkSqlMeshVersion, INSTALL_HINT } from './locate.js'
import {
  parseDiff,
  parseEnvironment,
  parseFingerprintChanges,
  parseModels,
  parseRestatement,
  type RawRestatement,
  type RawDiff,
  type RawEnvironment,
  type RawChanges,
  type RawModel
} from './parse.js'
import type { RestatementOutcome } from '../core/backfill.js'
import type { BucketFingerprint, WatchSource } from '../core/watch.js'
import type { PhysicalObject } from '../core/state-check.js'
import type { EnvironmentSnapshot, FingerprintChanges, ModelInfo, TableComparison, TimeWindow } from '../core/types.js'

export { SqlMeshError } from './process.js'

export interface SqlMeshOptions {
  readonly python: string
  readonly projectPath: string
  /** The directory SQLMesh runs in (relative paths in its config resolve against it); the project folder by default. */
  readonly workingDirectory?: string
  readonly gateway: string
  /** Environment for the Python process: the caller strips what SQLMesh must not see (the GitHub token). */
  readonly env: NodeJS.ProcessEnv
  readonly log: (line: string) => void
  readonly warn: (message: string) => void
  /** Hides a value from the log (connection passwords and tokens found in the SQLMesh config). */
  readonly mask: (secret: string) => void
}

/** Where SQLMesh keeps its state, as the loaded config says; for a DuckDB file, its absolute path. */
export interface StateLocation {
  readonly gateway: string
  readonly type: string
  readonly database: string | null
  /** The directory SQLMesh runs in: relative paths in its config (a DuckDB file, a dbt profile's path) resolve here. */
  readonly cwd: string
}

interface RawState {
  gateway: string
  type: string
  database: string | null
}

export interface PlanRequest {
  readonly environment: string
  readonly start?: string
  readonly end?: string
  readonly restate?: readonly string[]
  readonly skipTests?: boolean
}

export interface PlanOutcome {
  readonly hasChanges: boolean
  readonly seconds: number
  /** Audits that failed while building: SQLMesh only warns about them on a PR environment's partial data. */
  readonly auditFailures: readonly string[]
}

export interface RestateRequest {
  readonly environment: string
  readonly models: readonly string[]
  readonly start: string
  readonly end?: string
  /** The start as epoch ms, to tell clamped and widened ranges apart. */
  readonly requestedStart: number
  readonly dryRun: boolean
}

export interface DiffRequest {
  readonly source: string
  readonly target: string
  /** The model's fully-qualified name: the bridge looks it up exactly, never as a selector. */
  readonly fqn: string
  readonly window: { readonly column: string; readonly start: string; readonly end: string } | null
  readonly sampleRows: number
  readonly decimals: number
  /** How many diffs the flow sends in this batch: worker processes pay off only above some number (DuckDB). */
  readonly batchSize?: number
}

export class SqlMesh {
  private constructor(
    private readonly bridge: BridgeProcess,
    readonly version: string,
    readonly models: readonly ModelInfo[],
    /** How many table diffs the gateway lets run at once (SQLMesh's concurrent_tasks; 1 on DuckDB). */
    readonly diffWorkers: number,
    /** The gateway SQLMesh uses, for messages. */
    readonly gateway: string,
    /** Where SQLMesh reads its state, and the directory it runs in (relative paths resolve against it). */
    readonly state: StateLocation
  ) {}

  /** Starts SQLMesh, checks its version and loads the project (the only project load of the run). */
  static async create(options: SqlMeshOptions): Promise<SqlMesh> {
    const bridge = BridgeProcess.start(
      options.python,
      bridgeScript(),
      options.workingDirectory ?? options.projectPath,
      bridgeEnvironment(options.env),
      options.log
    )
    try {
      const hello = await bridge.request<{ sqlmesh_version: string }>('hello').catch((error: unknown) => {
        throw new SqlMeshError(
          'sqlmesh_missing',
          `SQLMesh could not be started with the Python interpreter '${options.python}': ${error instanceof Error ? error.message : String(error)}. ` +
            `Install it in a step before this action (${INSTALL_HINT}), or set the 'python' input to the interpreter that has it.`
        )
      })
      const verdict = checkSqlMeshVersion(hello.sqlmesh_version, options.python)
      if (!verdict.ok) throw new SqlMeshError('sqlmesh_too_old', verdict.message)
      if (verdict.warning) options.warn(verdict.warning)
      const loaded = await bridge
        .request<{
          models: RawModel[]
          workers: number
          secrets: string[]
          gateway: string
          state: RawState
          cwd: string
        }>('load', {
          path: options.projectPath,
          gateway: options.gateway
        })
        .catch((error: unknown) => {
          throw explainLoadError(error, options)
        })
      loaded.secrets.forEach(options.mask)
      const state = {
        gateway: loaded.state.gateway,
        type: loaded.state.type,
        database: loaded.state.database,
        cwd: loaded.cwd
      }
      return new SqlMesh(
        bridge,
        hello.sqlmesh_version,
        parseModels(loaded.models),
        loaded.workers,
        loaded.gateway,
        state
      )
    } catch (error) {
      await bridge.close()
      throw error
    }
  }

  async changes(environment: string): Promise<FingerprintChanges> {
    return parseFingerprintChanges(await this.call<RawChanges>('changes', { environment }))
  }

  async plan(request: PlanRequest): Promise<PlanOutcome> {
    const raw = await this.call<{ has_changes: boolean; seconds: number; audit_failures: string[] }>('plan', {
      environment: request.environment,
      start: request.start,
      end: request.end,
      restate: request.restate,
      skip_tests: request.skipTests ?? false
    })
    return { hasChanges: raw.has_changes, seconds: raw.seconds, auditFailures: raw.audit_failures }
  }

  async environment(name: string, isProd: boolean): Promise<EnvironmentSnapshot | null> {
    return parseEnvironment(await this.call<RawEnvironment>('environment', { environment: name }), isProd)
  }

  /** Null when an environment has no snapshot of the model. */
  async tableDiff(request: DiffRequest): Promise<TableComparison | null> {
    const raw = await this.call<RawDiff>('table_diff', {
      source: request.source,
      target: request.target,
      fqn: request.fqn,
      window: request.window,
      sample_limit: request.sampleRows,
      decimals: request.decimals,
      batch_size: request.batchSize ?? 1
    })
    return parseDiff(raw)
  }

  /**
   * Restates models in an environment (prod) from `start`; SQLMesh cascades downstream. With `dryRun`, only says
   * what it would rebuild per model. Names in the outcome are model names.
   */
  async restate(request: RestateRequest, nameOf: (fqn: string) => string): Promise<RestatementOutcome> {
    const raw = await this.call<RawRestatement>('restate', {
      environment: request.environment,
      models: request.models,
      start: request.start,
      end: request.end,
      dry_run: request.dryRun
    })
    return parseRestatement(raw, nameOf, request.requestedStart, !request.dryRun)
  }

  /** Rows in prod's table of each model (keyed by model name); null where the model has no table yet. */
  async prodRowCounts(models: readonly ModelInfo[]): Promise<Map<string, number | null>> {
    const raw = await this.call<{ counts: Record<string, number | null> }>('row_counts', {
      models: models.map(model => model.fqn)
    })
    return new Map(models.map(model => [model.name, raw.counts[model.fqn] ?? null]))
  }

  /** Invalidates an environment (SQLMesh's janitor then drops it): 'missing', 'already' (invalidated before) or 'now'. */
  async invalidate(environment: string): Promise<'missing' | 'already' | 'now'> {
    const raw = await this.call<{ existed: boolean; already_invalidated: boolean }>('invalidate', { environment })
    return !raw.existed ? 'missing' : raw.already_invalidated ? 'already' : 'now'
  }

  /**
   * Per source, its fingerprint per bucket (row count and content hash), computed in the warehouse by one aggregate
   * query each; a source that could not be read comes back with its error.
   */
  async watchFingerprints(
    sources: readonly WatchSource[]
  ): Promise<{ name: string; buckets: BucketFingerprint[]; error: string | null }[]> {
    const raw = await this.call<{
      sources: { name: string; buckets: BucketFingerprint[]; error: string | null }[]
    }>('watch_fingerprints', {
      sources: sources.map(source => ({
        name: source.name,
        table: source.table,
        time_column: source.timeColumn,
        bucket: source.bucket
      }))
    })
    return raw.sources
  }

  /** The fingerprints recorded by earlier runs, per source, from the action's table in `schema`. */
  async watchState(schema: string): Promise<Map<string, BucketFingerprint[]>> {
    const raw = await this.call<{ exists: boolean; sources: Record<string, BucketFingerprint[]> }>('watch_state', {
      schema
    })
    return new Map(Object.entries(raw.sources))
  }

  /**
   * Records sources' new fingerprints in one transaction, each only if the stored ones are still `expected` (null:
   * never recorded). Returns the sources recorded and those another run recorded first.
   */
  async watchRecord(
    schema: string,
    sources: readonly {
      name: string
      buckets: readonly BucketFingerprint[]
      expected: readonly BucketFingerprint[] | null
    }[]
  ): Promise<{ recorded: string[]; conflicts: string[]; table: string }> {
    return this.call('watch_record', { schema, sources })
  }

  /** Per model of an environment: its physical table and the environment's view, as the catalog has them. */
  async stateCheck(environment: string): Promise<{ exists: boolean; models: PhysicalObject[] }> {
    const raw = await this.call<{
      exists: boolean
      models: {
        name: string
        physical: string
        physical_type: string | null
        view: string
        view_type: string | null
        points_to_physical: boolean | null
      }[]
    }>('state_check', { environment })
    return {
      exists: raw.exists,
      models: raw.models.map(model => ({
        model: model.name,
        physical: model.physical,
        physicalType: model.physical_type,
        view: model.view,
        viewType: model.view_type,
        pointsToPhysical: model.points_to_physical
      }))
    }
  }

  /**
   * Dates or relative expressions as epoch ms, read the way SQLMesh reads them, each under its own key (a key left out
   * of `values` is left out of `times`); also SQLMesh's "now".
   */
  async resolveTimes<Values extends Readonly<Record<string, string>>>(
    values: Values
  ): Promise<{ times: { [Key in keyof Values]: number }; now: number }> {
    return this.call('resolve_times', { values })
  }

  async readYaml(path: string): Promise<unknown> {
    const raw = await this.call<{ exists: boolean; data: unknown }>('read_yaml', { path })
    return raw.exists ? raw.data : null
  }

  /** A request to SQLMesh; a failure to reach the warehouse is said in the user's terms, naming the gateway. */
  private async call<T>(method: string, params: object = {}): Promise<T> {
    try {
      return await this.bridge.request<T>(method, params)
    } catch (error) {
      if (!(error instanceof SqlMeshError) || error.kind !== 'connection') throw error
      throw new SqlMeshError(
        'connection',
        `Could not connect to the database of gateway '${this.gateway}'. Check its connection settings (host, port, user, password) in the SQLMesh config, and that the warehouse is reachable from the runner. The driver said: ${error.message}`
      )
    }
  }

  close(): Promise<void> {
    return this.bridge.close()
  }
}

export type { TimeWindow }

/** SQLMesh's switch for its anonymized usage analytics (config: `disable_anonymized_analytics`). */
export const ANALYTICS_SWITCH = 'SQLMESH__DISABLE_ANONYMIZED_ANALYTICS'

/**
 * The environment of the SQLMesh process. SQLMesh's anonymized usage analytics are off unless the step's env sets the
 * switch itself: a CI run must never wait on a network call the user did not ask for (SQLMesh posts them from an
 * exit hook). A value the user set, whatever it is, is kept.
 */
export function bridgeEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env[ANALYTICS_SWITCH] === undefined ? { ...env, [ANALYTICS_SWITCH]: '1' } : { ...env }
}

/** A load failure in the user's words: which input or which file to fix. Anything but SQLMesh's errors is kept. */
function explainLoadError(error: unknown, options: SqlMeshOptions): unknown {
  if (!(error instanceof SqlMeshError)) return error
  if (error.kind === 'unknown_gateway') return new SqlMeshError(error.kind, `Input 'gateway': ${error.message}.`)
  if (error.kind === 'config') {
    return new SqlMeshError(
      error.kind,
      `The SQLMesh config in ${options.projectPath} could not be read: ${error.message}`
    )
  }
  return new SqlMeshError(
    error.kind,
    `SQLMesh could not load the project in ${options.projectPath}: ${error.message}. Fix the file it names (run 'sqlmesh plan' locally to check), then push again.`
  )
}

/** The bridge script ships beside the bundle (dist/); from sources it is in bridge/. */
function bridgeScript(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, 'sqlmesh_bridge.py'), join(here, '..', '..', 'bridge', 'sqlmesh_bridge.py')]
  return candidates.find(candidate => existsSync(candidate)) ?? candidates[0]
}
