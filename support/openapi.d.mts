// Type declarations for openapi.mjs: GitHub's OpenAPI description (@octokit/openapi) as a checker for the local
// GitHub server. Keep in sync with the JSDoc in the .mjs file.

export interface Operation {
  /** GitHub's operationId, e.g. 'issues/create-comment' */
  id: string
  /** upper case */
  method: string
  /** e.g. '/repos/{owner}/{repo}/issues/{issue_number}/comments' */
  template: string
  pattern: RegExp
  pathNames: string[]
  parameters: { name: string; in: string; required?: boolean; schema?: object }[]
  body: { required: boolean; pointer: string } | undefined
  /** status -> JSON pointer of its JSON schema (undefined: no body) */
  responses: Map<string, string | undefined>
}

export interface Refusal {
  status: number
  body: unknown
}

export function findOperation(
  method: string,
  path: string
): { operation: Operation; params: Record<string, string> } | undefined
export function operationById(id: string): Operation | undefined
export function refusal(
  operation: Operation,
  pathParams: Record<string, string>,
  query: Partial<Record<string, string>>,
  body: unknown
): Refusal | undefined
export function responseProblems(operation: Operation, status: number, body: unknown): string[]
