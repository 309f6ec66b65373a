import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { PageQueryDto } from '../pagination/pagination';

// Fields the workbench's libraries (prompts, scenarios, suites) share.

const NAME = /\S/;
const TAG = /^[A-Za-z0-9_.:-]+$/;
/** Fields with a default but no empty value: absent means the default (or "leave as is"), null is a 400. */
export const unlessAbsent = (_: object, value: unknown) => value !== undefined;

/** A name, unique in the organization: not blank, at most 200 characters. */
export const NameField = (example: string) =>
  applyDecorators(
    ApiProperty({ example, maxLength: 200 }),
    IsString(),
    MaxLength(200),
    Matches(NAME, { message: 'name must not be blank' }),
  );

/** Up to 20 tags of letters, digits, _ . : - (defaults to none; null is a 400). */
export const TagsField = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: [String],
      items: { type: 'string', maxLength: 50 },
      example: ['support'],
      maxItems: 20,
    }),
    ValidateIf(unlessAbsent),
    IsArray(),
    ArrayMaxSize(20),
    IsString({ each: true }),
    MaxLength(50, { each: true }),
    Matches(TAG, { each: true, message: 'each tag uses letters, digits, _ . : -' }),
  );

/** A page of a list filtered by a search in the name. */
export class NameSearchQueryDto extends PageQueryDto {
  /** Case-insensitive search in the name. */
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;
}

/** A page of a list filtered by tag and by a search in the name. */
export class TaggedListQueryDto extends NameSearchQueryDto {
  /** Only those carrying this tag. */
  @ApiPropertyOptional({ maxLength: 50 })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  tag?: string;
}
