export function renderingProblems(markdown: string, options?: { issueNumber?: number }): string[]
export function visibleText(html: string): string
