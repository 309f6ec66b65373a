import { ApiResponse, getSchemaPath, type ResponseObject } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from '../errors/app-exception';
import { reasonPhrase, problemType } from '../errors/problem-details.filter';
import { PROBLEM_JSON, ProblemDetailsSchema } from './problem-details.schema';

/** One way a route fails: a stable code and when it happens. */
export interface ProblemCase {
  code: ErrorCode;
  description: string;
}

/**
 * Error responses are described as `CODE: when it happens` paragraphs. Nest joins the
 * descriptions of one status with a blank line, so several decorators (the shared access
 * rule, the route's own) add up, and every case can be read back for the examples.
 */
const CASE = /^([A-Z][A-Z_]*): (.+)$/s;

export function problemCases(status: number, description: string): ProblemCase[] {
  return description
    .split(/\n\n+/)
    .map((paragraph) => CASE.exec(paragraph.trim()))
    .flatMap((match) =>
      match && ERROR_CODES[match[1] as ErrorCode] === status
        ? [{ code: match[1] as ErrorCode, description: match[2]! }]
        : [],
    );
}

const EXAMPLE_REQUEST_ID = '3f2c8a4e-7b1d-4c5e-9a0f-1e2d3c4b5a69';

/** The 400 of every operation with input: the validation pipe's, with `errors`. */
export const INVALID_INPUT = 'the body or query breaks a rule; `errors` names each field';

/** The documented error response: the ProblemDetails body, with one example per case. */
export function problemResponse(status: number, description: string, headers?: ResponseObject['headers']) {
  const examples: Record<string, { summary: string; value: Record<string, unknown> }> = {};
  for (const { code, description: when } of problemCases(status, description)) {
    const seen = Object.keys(examples).filter((key) => key === code || key.startsWith(`${code}_`)).length;
    examples[seen ? `${code}_${seen + 1}` : code] = {
      summary: when,
      value: {
        type: problemType(code),
        title: reasonPhrase(status),
        status,
        detail: when.charAt(0).toUpperCase() + when.slice(1),
        code,
        requestId: EXAMPLE_REQUEST_ID,
        ...(when === INVALID_INPUT
          ? { errors: [{ field: 'name', messages: ['name must be shorter than or equal to 100 characters'] }] }
          : {}),
      },
    };
  }
  return {
    description,
    ...(headers ? { headers } : {}),
    content: {
      [PROBLEM_JSON]: {
        schema: { $ref: getSchemaPath(ProblemDetailsSchema) },
        ...(Object.keys(examples).length ? { examples } : {}),
      },
    },
  } satisfies ResponseObject;
}

/**
 * Documents one way a route fails, e.g. `@ApiProblem('DUPLICATE', 'the key is taken')`: the
 * status comes from the code, the body is ProblemDetails. Several on one status add up.
 */
export function ApiProblem(code: ErrorCode, description: string): MethodDecorator & ClassDecorator {
  const status = ERROR_CODES[code];
  return ApiResponse({ status, ...problemResponse(status, `${code}: ${description}`) });
}
