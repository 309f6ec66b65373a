import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { AppException } from '../errors/app-exception';

/** Deeper than any DTO of the API; bounds the recursion of validation and of the database driver. */
export const MAX_INPUT_DEPTH = 32;

interface Unsafe {
  field: string;
  message: string;
}

function unsafeString(value: string): string | undefined {
  // PostgreSQL text cannot hold NUL (22021); a lone surrogate cannot be encoded as UTF-8.
  if (value.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  if (!(value as string & { isWellFormed(): boolean }).isWellFormed())
    return 'must be well-formed Unicode (no lone surrogates)';
  return undefined;
}

/** Walks the input without recursion, so a hostile nesting cannot overflow the stack here either. */
export function findUnsafeInput(input: unknown, root: string): Unsafe | undefined {
  const pending: { value: unknown; field: string; depth: number }[] = [{ value: input, field: root, depth: 0 }];
  while (pending.length) {
    const { value, field, depth } = pending.pop()!;
    if (typeof value === 'string') {
      const message = unsafeString(value);
      if (message) return { field, message };
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_INPUT_DEPTH) return { field, message: `must not nest deeper than ${MAX_INPUT_DEPTH} levels` };
      for (const [key, child] of Object.entries(value)) {
        const path = field ? `${field}.${key}` : key;
        const keyMessage = unsafeString(key);
        if (keyMessage) return { field: path, message: `has a key that ${keyMessage}` };
        pending.push({ value: child, field: path, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/**
 * First global pipe: every body, query and path value is refused with a 400 naming the field when
 * it holds what no field of the API accepts (NUL, lone surrogates, absurd nesting), before
 * validation or the database can fail on it with a 500.
 */
@Injectable()
export class InputSafetyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const unsafe = findUnsafeInput(value, metadata.type === 'body' ? '' : (metadata.data ?? ''));
    if (unsafe) {
      throw new AppException('VALIDATION_FAILED', 'The request is not valid', [
        { field: unsafe.field || metadata.type, messages: [unsafe.message] },
      ]);
    }
    return value;
  }
}
