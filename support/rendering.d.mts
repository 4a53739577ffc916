export function renderingProblems(markdown: string, options?: { issueNumber?: number; widths?: boolean }): string[]
export function visibleText(html: string): string
