// @ts-check
/**
 * GitHub's own description of its REST API (the npm package @octokit/openapi, api.github.com) as a checker for the
 * local GitHub server: which operation a request is, whether GitHub would accept its path parameters, query and body,
 * and whether a response is what GitHub documents for that operation.
 *
 * The description is 13 MB of JSON: it is read once per process, and each schema is compiled (by Ajv, the JSON-schema
 * validator) the first time it is needed.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'

const require = createRequire(import.meta.url)
const SPEC_FILE = require.resolve('@octokit/openapi/generated/api.github.com.json')
const SPEC_ID = 'api.github.com'
const METHODS = ['get', 'put', 'post', 'patch', 'delete']
/** ajv-formats is CommonJS: its function is the default export under Node, `.default` under some loaders. */
const addFormats = /** @type {typeof addFormatsModule.default} */ (
  /** @type {unknown} */ ('default' in addFormatsModule ? addFormatsModule.default : addFormatsModule)
)

/**
 * @typedef {{name: string, in: string, required?: boolean, schema?: object}} Parameter
 *
 * @typedef {object} Operation
 * @property {string} id GitHub's operationId, e.g. 'issues/create-comment'
 * @property {string} method upper case
 * @property {string} template e.g. '/repos/{owner}/{repo}/issues/{issue_number}/comments'
 * @property {RegExp} pattern matches a request path, one group per path parameter
 * @property {string[]} pathNames the path parameters, in order
 * @property {Parameter[]} parameters path and query parameters, resolved
 * @property {{required: boolean, pointer: string} | undefined} body JSON pointer of the request body's schema
 * @property {Map<string, string | undefined>} responses status -> JSON pointer of its JSON schema (undefined: no body)
 *
 * @typedef {{status: number, body: unknown}} Refusal what GitHub answers a request it rejects
 *
 * The parts of the OpenAPI description read here ($ref: a local JSON pointer to the object it stands for):
 * @typedef {{type?: string}} Schema
 * @typedef {{$ref?: string, name: string, in: string, required?: boolean, schema?: Schema}} ParameterObject
 * @typedef {{$ref?: string, required?: boolean, content?: Record<string, unknown>}} BodyObject
 * @typedef {{$ref?: string, content?: Record<string, unknown>}} ResponseObject
 * @typedef {{operationId: string, parameters?: ParameterObject[], requestBody?: BodyObject,
 *   responses?: Record<string, ResponseObject>}} OperationObject
 * @typedef {{paths: Record<string, Record<string, unknown>>}} Spec
 */

/** @type {{ajv: Ajv, operations: Operation[]} | undefined} */
let loaded

/** The description's operations and a validator that knows its schemas, loaded on first use. */
function load() {
  if (loaded) return loaded
  /** @type {Spec} */
  const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) // eslint-disable-line @typescript-eslint/no-unsafe-assignment -- the description's shape is the typedef above
  typelessNullables(spec)
  // strict: false because the description carries its own keywords (x-github, example, discriminator…); nullable is
  // OpenAPI 3.0's, which Ajv understands.
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: false, discriminator: false })
  addFormats(ajv)
  ajv.addSchema(spec, SPEC_ID)
  loaded = { ajv, operations: collectOperations(spec) }
  return loaded
}

/**
 * OpenAPI 3.0's `nullable: true` beside `allOf`/`anyOf` and no `type` (GitHub's issue milestone, for one) is a schema
 * Ajv refuses ('"nullable" cannot be used without "type"'): each becomes `anyOf: [the schema, null]`, which says the
 * same.
 * @param {unknown} node
 */
function typelessNullables(node) {
  if (Array.isArray(node)) {
    node.forEach(typelessNullables)
    return
  }
  if (node === null || typeof node !== 'object') return
  const schema = /** @type {Record<string, unknown>} */ (node)
  Object.values(schema).forEach(typelessNullables)
  if (schema.nullable !== true || 'type' in schema) return
  const rest = Object.fromEntries(Object.entries(schema).filter(([key]) => key !== 'nullable'))
  for (const key of Object.keys(schema)) Reflect.deleteProperty(schema, key)
  schema.anyOf = [rest, { type: 'null' }]
}

/**
 * @param {Spec} spec
 * @returns {Operation[]}
 */
function collectOperations(spec) {
  /** @type {Operation[]} */
  const operations = []
  for (const [template, item] of Object.entries(spec.paths)) {
    const shared = /** @type {ParameterObject[] | undefined} */ (item.parameters) ?? []
    for (const method of METHODS) {
      const operation = /** @type {OperationObject | undefined} */ (item[method])
      if (operation) operations.push(toOperation(spec, template, method, operation, shared))
    }
  }
  // The most literal template wins: /repos/{owner}/{repo}/pulls/comments before /repos/{owner}/{repo}/pulls/{pull_number}.
  return operations.sort((a, b) => literalLength(b.template) - literalLength(a.template))
}

/**
 * @param {Spec} spec
 * @param {string} template
 * @param {string} method
 * @param {OperationObject} operation
 * @param {ParameterObject[]} shared the path item's parameters
 * @returns {Operation}
 */
function toOperation(spec, template, method, operation, shared) {
  const here = `#/paths/${escapePointer(template)}/${method}`
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)')
  const body = operation.requestBody ? resolve(spec, operation.requestBody) : undefined
  return {
    id: operation.operationId,
    method: method.toUpperCase(),
    template,
    pattern: new RegExp(`^${escaped}$`),
    pathNames: [...template.matchAll(/\{([^}]+)\}/g)].map(match => match[1]),
    parameters: [...shared, ...(operation.parameters ?? [])].map(parameter => resolve(spec, parameter)),
    body:
      operation.requestBody && body?.content?.['application/json']
        ? {
            required: body.required === true,
            pointer: `${pointerOf(operation.requestBody, `${here}/requestBody`)}/content/application~1json/schema`
          }
        : undefined,
    responses: responsePointers(spec, here, operation)
  }
}

/** @param {string} template */
function literalLength(template) {
  return template.replace(/\{[^}]+\}/g, '').length
}

/**
 * @param {Spec} spec
 * @param {string} here JSON pointer of the operation
 * @param {OperationObject} operation
 * @returns {Map<string, string | undefined>}
 */
function responsePointers(spec, here, operation) {
  /** @type {Map<string, string | undefined>} */
  const responses = new Map()
  for (const [status, raw] of Object.entries(operation.responses ?? {})) {
    const base = pointerOf(raw, `${here}/responses/${status}`)
    const json = resolve(spec, raw).content?.['application/json']
    responses.set(status, json ? `${base}/content/application~1json/schema` : undefined)
  }
  return responses
}

/**
 * The JSON pointer of a component or of the inline object at `inline`.
 * @param {{$ref?: string}} value
 * @param {string} inline
 */
function pointerOf(value, inline) {
  return value.$ref ?? inline
}

/** @param {string} text */
function escapePointer(text) {
  return text.replace(/~/g, '~0').replace(/\//g, '~1')
}

/**
 * Follows local $refs to the object they stand for (a parameter, a request body, a response).
 * @template {{$ref?: string}} T
 * @param {Spec} spec
 * @param {T} value
 * @returns {T}
 */
function resolve(spec, value) {
  let current = value
  while (current.$ref !== undefined) {
    /** @type {unknown} */
    let node = spec
    for (const key of current.$ref.slice(2).split('/')) {
      node = /** @type {Record<string, unknown>} */ (node)[key.replace(/~1/g, '/').replace(/~0/g, '~')]
    }
    current = /** @type {T} */ (node)
  }
  return current
}

/**
 * The operation a request is, or undefined when GitHub has no such route.
 * @param {string} method
 * @param {string} path without the query string
 * @returns {{operation: Operation, params: Record<string, string>} | undefined}
 */
export function findOperation(method, path) {
  for (const operation of load().operations) {
    if (operation.method !== method.toUpperCase()) continue
    const match = operation.pattern.exec(path)
    if (!match) continue
    /** @type {Record<string, string>} */
    const params = {}
    operation.pathNames.forEach((name, index) => (params[name] = decodeURIComponent(match[index + 1] ?? '')))
    return { operation, params }
  }
  return undefined
}

/** The operation with this operationId, e.g. 'issues/create-comment'. @param {string} id */
export function operationById(id) {
  return load().operations.find(operation => operation.id === id)
}

/**
 * What GitHub answers a request its description says it rejects, or undefined when it accepts it: 404 for a path
 * parameter of the wrong type (GitHub finds no such resource), 422 for a query parameter or a body that does not match
 * the operation's schema, with GitHub's "Invalid request" message naming the problem.
 * @param {Operation} operation
 * @param {Record<string, string>} pathParams
 * @param {Partial<Record<string, string>>} query
 * @param {unknown} body parsed JSON, undefined when empty
 * @returns {Refusal | undefined}
 */
export function refusal(operation, pathParams, query, body) {
  for (const parameter of operation.parameters) {
    const raw =
      parameter.in === 'path'
        ? pathParams[parameter.name]
        : parameter.in === 'query'
          ? query[parameter.name]
          : undefined
    if (raw === undefined) {
      if (parameter.in === 'query' && parameter.required) return invalid(`"${parameter.name}" wasn't supplied.`)
      continue
    }
    if (!parameter.schema || valid(parameter.schema, coerce(raw, parameter.schema))) continue
    if (parameter.in === 'path')
      return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } }
    return invalid(`For '${parameter.name}', ${JSON.stringify(raw)} is not valid.`)
  }
  if (!operation.body) return undefined
  if (body === undefined) return operation.body.required ? invalid('"body" wasn\'t supplied.') : undefined
  const errors = schemaErrors(operation.body.pointer, body)
  return errors.length > 0 ? invalid(errors.join('\n')) : undefined
}

/**
 * What is wrong with a response against the operation's documented responses: an undocumented success status, or a
 * body that does not match the status's schema. Error statuses GitHub does not document for the operation (401, 403…)
 * are left alone: the description lists only some of them.
 * @param {Operation} operation
 * @param {number} status
 * @param {unknown} body
 * @returns {string[]}
 */
export function responseProblems(operation, status, body) {
  const documented = operation.responses.has(String(status))
  if (!documented)
    return status < 300
      ? [
          `${operation.id}: status ${status} is not one GitHub documents (${[...operation.responses.keys()].join(', ')})`
        ]
      : []
  const pointer = operation.responses.get(String(status))
  if (pointer === undefined)
    return body === undefined ? [] : [`${operation.id}: status ${status} has no body on GitHub`]
  return schemaErrors(pointer, body).map(error => `${operation.id} ${status}: ${error}`)
}

/**
 * @param {string} pointer '#/components/schemas/…' or another pointer into the description
 * @param {unknown} value
 * @returns {string[]}
 */
function schemaErrors(pointer, value) {
  const { ajv } = load()
  const ref = `${SPEC_ID}${pointer}`
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref })
  if (validate(value)) return []
  return (validate.errors ?? []).map(
    error =>
      `${error.instancePath || '(body)'} ${error.message ?? 'is invalid'}${'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`
  )
}

/**
 * @param {object} schema
 * @param {unknown} value
 */
function valid(schema, value) {
  return load().ajv.validate(schema, value)
}

/**
 * A path or query value as the type its schema asks for ('12' -> 12 for an integer), else the string itself.
 * @param {string} raw
 * @param {Schema} schema
 */
function coerce(raw, schema) {
  if (schema.type === 'integer' || schema.type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw
  if (schema.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw
  return raw
}

/**
 * @param {string} detail
 * @returns {Refusal}
 */
function invalid(detail) {
  return {
    status: 422,
    body: { message: `Invalid request.\n\n${detail}`, documentation_url: 'https://docs.github.com/rest' }
  }
}
