/** `{{name}}`, spaces allowed inside the braces; names follow the variable key syntax. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const ROLES = new Set(['system', 'user', 'assistant']);

/** The placeholder names of a text, each once, in order of appearance. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/** Fills every placeholder from `values`; the caller has checked that each has one. */
export function fill(text: string, values: ReadonlyMap<string, string>): string {
  // A replacer function, so `$&` and the like in a value are not replacement patterns.
  return text.replace(PLACEHOLDER, (whole, name: string) => values.get(name) ?? whole);
}

/**
 * A CHAT prompt's content: a JSON array of `{role, content}` messages. Returns the messages, or
 * why the content is not one.
 */
export function parseChat(content: string): ChatMessage[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return 'content of a CHAT prompt must be a JSON array of messages';
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return 'content of a CHAT prompt must be a non-empty JSON array';
  for (const [i, message] of parsed.entries()) {
    if (typeof message !== 'object' || message === null || Array.isArray(message))
      return `message ${i} must be an object with role and content only`;
    const { role, content: text, ...rest } = message as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return `message ${i} must be an object with role and content only`;
    if (typeof role !== 'string' || !ROLES.has(role)) return `message ${i} role must be system, user or assistant`;
    if (typeof text !== 'string') return `message ${i} content must be a string`;
  }
  return parsed as ChatMessage[];
}
