import { Injectable } from '@nestjs/common';
import { AppException, type FieldError } from '../../common/errors/app-exception';
import { compileValidator, forgetValidator, type SchemaValidator } from '../canvas-models/json-schema';
import type { CanvasData, ModelVersionRow } from './canvases.repository';

/** Compiled validators kept (published versions never change, so a cached one stays right). */
const MAX_CACHED = 200;

/**
 * Checks canvas data against the schema of a published model version: 422
 * SCHEMA_VALIDATION_FAILED naming each failing path (ajv's instancePath, "/" for the root).
 */
@Injectable()
export class CanvasDataValidator {
  private readonly cache = new Map<string, { validate: SchemaValidator; schema: CanvasData }>();

  check(model: ModelVersionRow, data: CanvasData): void {
    const validate = this.validatorFor(model);
    if (validate(data)) return;
    const errors = new Map<string, string[]>();
    for (const error of validate.errors ?? []) {
      const path = error.instancePath || '/';
      errors.set(path, [...(errors.get(path) ?? []), error.message ?? error.keyword]);
    }
    const fields: FieldError[] = [...errors].map(([field, messages]) => ({ field, messages }));
    throw new AppException(
      'SCHEMA_VALIDATION_FAILED',
      `data does not satisfy version ${model.version} of the canvas model`,
      fields,
    );
  }

  private validatorFor(model: ModelVersionRow): SchemaValidator {
    const key = `${model.modelId}:${model.version}`;
    const cached = this.cache.get(key);
    if (cached) {
      // Least recently used goes first: re-insert on use.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached.validate;
    }
    const entry = { validate: compileValidator(model.schema), schema: model.schema };
    this.cache.set(key, entry);
    if (this.cache.size > MAX_CACHED) {
      const [oldestKey, oldest] = this.cache.entries().next().value!;
      this.cache.delete(oldestKey);
      forgetValidator(oldest.schema);
    }
    return entry.validate;
  }
}
