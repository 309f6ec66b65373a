import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { MaxKeys } from '../../../common/dto/max-keys';
import { PatchOf } from '../../../common/dto/patch-of';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { CanvasVisibility } from '../../../generated/prisma/enums';
import type { CanvasRow, CanvasVersionRow } from '../canvases.repository';

const VISIBILITIES = Object.values(CanvasVisibility);
/** Optional, but not nullable: null is checked (and refused) like any other value. */
const IsGiven = () => ValidateIf((_object, value) => value !== undefined);
const MAX_VERSION = 2_147_483_647;
/** Top-level keys of canvas data (a canvas has a handful of blocks; the schema says which). */
const MAX_DATA_KEYS = 200;

export class CreateCanvasDto {
  @ApiProperty({ example: 'Acme value canvas', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Q3 review', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  /** The canvas model (template) whose published schema `data` follows. */
  @ApiProperty({ format: 'uuid', example: '01936f3e-8c2a-7b4d-9e1f-2a3b4c5d6e7f' })
  @IsUUID()
  modelId!: string;

  /** The published version of the model to follow; omitted: its newest published version. */
  @ApiPropertyOptional({ type: Number, minimum: 1, example: 1 })
  @IsGiven()
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  modelVersion?: number;

  /** The canvas content: must satisfy the model version's JSON Schema (422 naming the failing paths). */
  @ApiProperty({ type: 'object', additionalProperties: true, maxProperties: MAX_DATA_KEYS, example: { title: 'Acme' } })
  @IsObject()
  @MaxKeys(MAX_DATA_KEYS)
  data!: Record<string, unknown>;

  /** PRIVATE (the creator only, the default), ORG (every member reads), LINK (the creator, and share links). */
  @ApiPropertyOptional({ enum: CanvasVisibility, enumName: 'CanvasVisibility', default: 'PRIVATE' })
  @IsGiven()
  @IsIn(VISIBILITIES)
  visibility?: CanvasVisibility;
}

/**
 * Only the fields to change (If-Match). `modelVersion` moves the canvas to another published
 * version of its model (the data is checked against it); the model itself does not change.
 */
export class UpdateCanvasDto extends PatchOf(OmitType(CreateCanvasDto, ['modelId'] as const)) {}

export class ListCanvasesQueryDto extends PageQueryDto {
  /** true: the soft-deleted canvases (to restore one) instead of the live ones. */
  @ApiPropertyOptional({ type: Boolean, default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  deleted?: boolean;
}

export class CanvasResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) modelId!: string | null;
  /** The published model version whose schema `data` satisfies. */
  @ApiProperty({ type: Number, nullable: true, example: 1 }) modelVersion!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: unknown;
  @ApiProperty({ enum: CanvasVisibility, enumName: 'CanvasVisibility' }) visibility!: CanvasVisibility;
  /** The canvas's revision (the ETag), bumped by every write; content saves are listed under versions. */
  @ApiProperty({ example: 1 }) version!: number;
  /** Null once the creator's account is deleted (an ORG canvas stays with the org). */
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  /** Set while the canvas is soft-deleted (restore clears it). */
  @ApiProperty({ type: Date, nullable: true }) deletedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class CanvasVersionResponseDto {
  @ApiProperty({ format: 'uuid' }) canvasId!: string;
  /** The canvas's revision when this content was saved. */
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: unknown;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
}

export function toCanvasResponse(row: CanvasRow): CanvasResponseDto {
  const { id, orgId, name, description, modelId, modelVersion, data, visibility, version } = row;
  const { createdByUserId, deletedAt, createdAt, updatedAt } = row;
  return {
    id,
    orgId,
    name,
    description,
    modelId,
    modelVersion,
    data,
    visibility,
    version,
    createdByUserId,
    deletedAt,
    createdAt,
    updatedAt,
  };
}

export function toCanvasVersionResponse(row: CanvasVersionRow): CanvasVersionResponseDto {
  const { canvasId, version, data, createdByUserId, createdAt } = row;
  return { canvasId, version, data, createdByUserId, createdAt };
}
