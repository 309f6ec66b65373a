import type { AiProvider } from '../../generated/prisma/enums';

/**
 * List prices in USD per million tokens (input, output) of a few well-known models, as published
 * by OpenAI and Anthropic (late 2025). A model matches its entry exactly or as a dated or
 * `-latest` variant (`gpt-4o-mini-2024-07-18`, `claude-3-5-haiku-latest`); the longest entry wins.
 * Anything else (and every OPENAI_COMPATIBLE server, whose prices we cannot know) costs null.
 */
const PRICES: Record<'OPENAI' | 'ANTHROPIC', Record<string, [input: number, output: number]>> = {
  OPENAI: {
    'gpt-4o': [2.5, 10],
    'gpt-4o-mini': [0.15, 0.6],
    'gpt-4.1': [2, 8],
    'gpt-4.1-mini': [0.4, 1.6],
    'gpt-4.1-nano': [0.1, 0.4],
    'gpt-5': [1.25, 10],
    'gpt-5-mini': [0.25, 2],
    'gpt-5-nano': [0.05, 0.4],
    'o4-mini': [1.1, 4.4],
  },
  ANTHROPIC: {
    'claude-3-5-haiku': [0.8, 4],
    'claude-haiku-4-5': [1, 5],
    'claude-3-5-sonnet': [3, 15],
    'claude-3-7-sonnet': [3, 15],
    'claude-sonnet-4': [3, 15],
    'claude-sonnet-4-5': [3, 15],
    'claude-opus-4': [15, 75],
    'claude-opus-4-1': [15, 75],
  },
};

/** The cost of a call in USD, or null when the model's price is not known. */
export function costUsd(provider: AiProvider, model: string, inputTokens: number, outputTokens: number): number | null {
  if (provider === 'OPENAI_COMPATIBLE') return null;
  const table = PRICES[provider];
  const name = Object.keys(table)
    .filter((entry) => model === entry || model.startsWith(`${entry}-`))
    .sort((a, b) => b.length - a.length)[0];
  if (!name) return null;
  // A dated variant of a shorter entry must not borrow its price (gpt-4o-mini is not gpt-4o).
  const rest = model.slice(name.length);
  if (rest && !/^-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/.test(rest)) return null;
  const [input, output] = table[name]!;
  return Math.round(((inputTokens * input + outputTokens * output) / 1_000_000) * 1e8) / 1e8;
}
