// The long-lived Python process that hosts SQLMesh: one per action run, so the project is loaded once.
// Requests and responses are JSON lines on stdin / a dedicated stdout; SQLMesh's own output arrives on stderr and is
// handed to a log callback, never parsed.

import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

export interface BridgeFailure {
  readonly kind: string
  readonly message: string
}

/** An error reported by SQLMesh (or the bridge) for one request. */
export class SqlMeshError extends Error {
  constructor(
    readonly kind: string,
    message: string
  ) {
    super(message)
    this.name = 'SqlMeshError'
  }
}

interface Pending {
  resolve(value: unknown): void
  reject(error: Error): void
}

export class BridgeProcess {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private exited: Error | null = null

  private constructor(private readonly child: ChildProcess) {}

  /**
   * Starts `python bridge.py` in the project folder (so relative paths in the SQLMesh config, such as a DuckDB file,
   * resolve as they do when people run `sqlmesh` there); `log` receives every line SQLMesh prints.
   */
  static start(
    python: string,
    bridgeScript: string,
    cwd: string,
    env: NodeJS.ProcessEnv,
    log: (line: string) => void
  ): BridgeProcess {
    const child = spawn(python, ['-u', '-B', bridgeScript], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] })
    const bridge = new BridgeProcess(child)
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', line => bridge.receive(line))
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', log)
    child.on('error', error => bridge.fail(new Error(`Could not start ${python}: ${error.message}`)))
    child.on('exit', (code, signal) =>
      bridge.fail(new Error(`The SQLMesh process exited (${signal ?? `code ${code}`}) before answering`))
    )
    return bridge
  }

  request<T>(method: string, params: object = {}): Promise<T> {
    if (this.exited) return Promise.reject(this.exited)
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: value => resolve(value as T), reject })
      this.child.stdin?.write(`${JSON.stringify({ id, method, params })}\n`)
    })
  }

  async close(): Promise<void> {
    if (this.exited) return
    const exit = new Promise<void>(resolve => this.child.once('exit', () => resolve()))
    await this.request('shutdown').catch(() => undefined)
    this.child.stdin?.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
    await exit
    clearTimeout(timer)
  }

  private receive(line: string): void {
    let message: { id?: number; ok?: boolean; result?: unknown; error?: BridgeFailure }
    try {
      message = JSON.parse(line) as typeof message
    } catch {
      // Only the bridge writes this stream, one JSON response per line: a line that does not parse is a response
      // lost, and waiting for it would hang the job. Fail what is waiting instead, with the line.
      this.failPending(
        new SqlMeshError(
          'protocol',
          `The SQLMesh bridge sent a response the action could not read: ${line.slice(0, 300)}`
        )
      )
      return
    }
    const waiting = message.id === undefined ? undefined : this.pending.get(message.id)
    if (!waiting || message.id === undefined) return
    this.pending.delete(message.id)
    if (message.ok) waiting.resolve(message.result)
    else waiting.reject(new SqlMeshError(message.error?.kind ?? 'unknown', message.error?.message ?? 'unknown error'))
  }

  private fail(error: Error): void {
    this.exited ??= error
    this.failPending(error)
  }

  private failPending(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error)
    this.pending.clear()
  }
}
