import { ValidateBy } from 'class-validator';

/** An object with at most `max` keys (OpenAPI `maxProperties`). */
export function MaxKeys(max: number) {
  return ValidateBy({
    name: 'maxKeys',
    validator: {
      validate: (value: unknown) => typeof value === 'object' && value !== null && Object.keys(value).length <= max,
      defaultMessage: (args) => `${args?.property} may have at most ${max} keys`,
    },
  });
}
