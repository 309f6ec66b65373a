import type { Type } from '@nestjs/common';
import { PartialType } from '@nestjs/swagger';

/**
 * The body of a PATCH: every field of the create body, optional. Unlike a bare PartialType, an
 * explicit `null` is validated like any value, so it is a 400 for a field that cannot be empty
 * (a bare PartialType lets null through to the database); fields the create body marks
 * `@IsOptional()` (nullable ones) still accept null to clear them.
 */
export function PatchOf<T>(createBody: Type<T>) {
  return PartialType(createBody, { skipNullProperties: false });
}
