import Ajv2020 from 'ajv/dist/2020';
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
