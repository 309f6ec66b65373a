import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { AppException } from '../../common/errors/app-exception';

/** strict: unknown keywords and formats are errors, so a typo in a model is caught at save. */
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);

/**
 * Compiles a model's schema as JSON Schema 2020-12 (ajv, with ajv-formats); 400 naming ajv's
 * errors when it is not one. Nothing is cached: each save compiles afresh.
 */
export function checkSchema(schema: Record<string, unknown>): void {
  try {
    ajv.compile(schema);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new AppException('VALIDATION_FAILED', `schema is not a valid JSON Schema (2020-12): ${message}`, [
      { field: 'schema', messages: [message] },
    ]);
  } finally {
    // compile() keeps schemas with an $id; drop them so a later save may reuse the same $id.
    ajv.removeSchema();
  }
}

/**
 * Validators of published schemas (canvas data): a second instance that keeps no schema by its
 * $id (addUsedSchema: false), so validators of several versions with one $id live side by side.
 */
const validating = new Ajv2020({ strict: true, allErrors: true, addUsedSchema: false });
addFormats(validating);

export type SchemaValidator = ValidateFunction;

/** Compiles a (published, already checked) schema into a validator; the caller caches it. */
export function compileValidator(schema: Record<string, unknown>): SchemaValidator {
  return validating.compile(schema);
}

/** Frees what the validating instance keeps of a schema once its validator is dropped from a cache. */
export function forgetValidator(schema: Record<string, unknown>): void {
  validating.removeSchema(schema);
}
