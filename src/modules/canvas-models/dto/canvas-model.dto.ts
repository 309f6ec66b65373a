import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { MaxKeys } from '../../../common/dto/max-keys';
import { PatchOf } from '../../../common/dto/patch-of';
import { PageQueryDto } from '../../../common/pagination/pagination';
import type { CanvasModelRow, CanvasModelVersionRow } from '../canvas-models.repository';

// No nested `properties` in the example: OpenAPI linters would read it as this DTO's own schema.
const SCHEMA_EXAMPLE = { type: 'object', required: ['title', 'revenue'] };
/** Top-level keywords of a model's schema (a real schema has a handful). */
const MAX_SCHEMA_KEYWORDS = 100;

export class CreateCanvasModelDto {
  @ApiProperty({ example: 'Business model canvas', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Nine blocks of a business model', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  /** A JSON Schema (2020-12) document that canvases of this model must satisfy; compiled at save. */
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    maxProperties: MAX_SCHEMA_KEYWORDS,
    example: SCHEMA_EXAMPLE,
  })
  @IsObject()
  @MaxKeys(MAX_SCHEMA_KEYWORDS)
  schema!: Record<string, unknown>;
}

/** Only the fields to change (If-Match). Published versions keep their schema. */
export class UpdateCanvasModelDto extends PatchOf(CreateCanvasModelDto) {}

export class ListCanvasModelsQueryDto extends PageQueryDto {
  /** true: the soft-deleted models (to restore one) instead of the live ones. */
  @ApiPropertyOptional({ type: Boolean, default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  deleted?: boolean;
}

export class CanvasModelResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) schema!: unknown;
  /** The row's revision, bumped by every write (the ETag); not a published version. */
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty() isPublished!: boolean;
  /** When the newest version was published. */
  @ApiProperty({ type: Date, nullable: true }) publishedAt!: Date | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  /** Set while the model is soft-deleted (restore clears it). */
  @ApiProperty({ type: Date, nullable: true }) deletedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class CanvasModelVersionResponseDto {
  @ApiProperty({ format: 'uuid' }) modelId!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) schema!: unknown;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
}

export function toCanvasModelResponse(row: CanvasModelRow): CanvasModelResponseDto {
  const { id, orgId, name, description, schema, version, isPublished, publishedAt } = row;
  const { createdByUserId, deletedAt, createdAt, updatedAt } = row;
  return {
    id,
    orgId,
    name,
    description,
    schema,
    version,
    isPublished,
    publishedAt,
    createdByUserId,
    deletedAt,
    createdAt,
    updatedAt,
  };
}

export function toCanvasModelVersionResponse(row: CanvasModelVersionRow): CanvasModelVersionResponseDto {
  const { modelId, version, schema, createdByUserId, createdAt } = row;
  return { modelId, version, schema, createdByUserId, createdAt };
}
