import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode, type FieldError } from '../errors/app-exception';
import type { ProblemDetails } from '../errors/problem-details.filter';

/** The media type of every error body. */
export const PROBLEM_JSON = 'application/problem+json';

/** One invalid field of a 400 VALIDATION_FAILED. `implements` keeps it in step with what the pipe sends. */
@ApiSchema({ name: 'FieldError' })
export class FieldErrorSchema implements FieldError {
  @ApiProperty({ description: 'The field, dotted for nested ones (`address.city`)', example: 'key' })
  field!: string;

  @ApiProperty({
    type: [String],
    description: 'Every rule the value breaks',
    example: ['key must start with a letter or _ and use letters, digits, _ . -'],
  })
  messages!: string[];
}

/**
 * The body of every error (RFC 9457), written by ProblemDetailsFilter. `implements ProblemDetails`
 * makes the compiler hold this schema to the filter's type; an e2e test holds real responses to it.
 */
@ApiSchema({
  name: 'ProblemDetails',
  description: 'RFC 9457 problem details, sent as application/problem+json. Switch on `code`, not on `detail`.',
})
export class ProblemDetailsSchema implements ProblemDetails {
  @ApiProperty({
    description: 'A URN naming the problem kind',
    example: 'urn:orgbase:problem:not-found',
    format: 'uri',
  })
  type!: string;

  @ApiProperty({ description: 'The reason phrase of `status`', example: 'Not found' })
  title!: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 400, maximum: 599, example: 404 })
  status!: number;

  @ApiProperty({ description: 'What went wrong, for people', example: 'Variable not found' })
  detail!: string;

  @ApiProperty({
    enum: Object.keys(ERROR_CODES),
    enumName: 'ErrorCode',
    description: 'Stable error code to switch on (README lists them)',
    example: 'NOT_FOUND',
  })
  code!: ErrorCode;

  @ApiProperty({
    description: 'The X-Request-Id of the request, to quote when reporting it',
    example: '3f2c8a4e-7b1d-4c5e-9a0f-1e2d3c4b5a69',
    pattern: '^[A-Za-z0-9._:-]{1,128}$',
  })
  requestId!: string;

  @ApiPropertyOptional({
    type: [FieldErrorSchema],
    description: 'For VALIDATION_FAILED: each invalid field with its messages',
  })
  errors?: FieldErrorSchema[];
}
