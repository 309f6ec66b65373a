import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { AppException, type FieldError } from '../../common/errors/app-exception';
import { checkSchema } from '../canvas-models/json-schema';
import type { AgentConfigDto } from './dto/agent.dto';
import type { AgentConfig } from './agents.repository';

/** As the canvas models' checker (strict), so what compiled at save compiles here too. */
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);

/** The config as stored: checked (400 naming `config.inputSchema` when it is no JSON Schema), optionals left out when absent. */
export function toAgentConfig(dto: AgentConfigDto): AgentConfig {
  const { model, providerKeyId, systemPrompt, inputSchema, temperature } = dto;
  if (inputSchema) {
    try {
      checkSchema(inputSchema);
    } catch (error) {
      if (!(error instanceof AppException)) throw error;
      const errors = error.errors?.map((e) => ({ ...e, field: 'config.inputSchema' }));
      throw new AppException(error.code, error.detail.replace(/^schema/, 'config.inputSchema'), errors);
    }
  }
  return {
    model,
    providerKeyId: providerKeyId.toLowerCase(),
    systemPrompt,
    ...(inputSchema ? { inputSchema } : {}),
    ...(temperature !== undefined && temperature !== null ? { temperature } : {}),
  };
}

/** 422 INPUT_INVALID naming each failing path (JSON Pointer, as ajv reports it) when `input` breaks the schema. */
export function assertInputMatches(schema: Record<string, unknown> | null | undefined, input: unknown): void {
  if (!schema) return;
  try {
    const validate = ajv.compile(schema);
    if (validate(input)) return;
    throw new AppException(
      'INPUT_INVALID',
      "The input does not satisfy the agent's input schema",
      fieldErrors(validate.errors ?? []),
    );
  } finally {
    // compile() keeps schemas with an $id; drop them so the next execution may compile the same $id.
    ajv.removeSchema();
  }
}

/** One entry per path; a missing property is named at its own path (`/company`), not its parent's. */
function fieldErrors(errors: ErrorObject[]): FieldError[] {
  const byPath = new Map<string, string[]>();
  for (const error of errors) {
    const missing = error.keyword === 'required' ? `/${String(error.params.missingProperty)}` : '';
    const path = `${error.instancePath}${missing}` || '/';
    byPath.set(path, [...(byPath.get(path) ?? []), error.message ?? error.keyword]);
  }
  return [...byPath].map(([field, messages]) => ({ field, messages }));
}
