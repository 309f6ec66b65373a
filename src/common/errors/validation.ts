import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppException, type FieldError } from './app-exception';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Global pipe: transforms DTOs, strips nothing silently (unknown fields are an error), reports per field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => {
      const fieldErrors = flatten(errors);
      return new AppException('VALIDATION_FAILED', 'The request is not valid', fieldErrors);
    },
  });
}
