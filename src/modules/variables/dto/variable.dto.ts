import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PatchOf } from '../../../common/dto/patch-of';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/pagination';
import type { VariableRow } from '../variables.repository';

export class CreateVariableDto {
  /** Name used as {{key}} in prompts; unique in the organization. */
  @ApiProperty({ example: 'company_name', pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$', maxLength: 100 })
  @IsString()
  @Matches(/^[A-Za-z_][A-Za-z0-9_.-]*$/, {
    message: 'key must start with a letter or _ and use letters, digits, _ . -',
  })
  @MaxLength(100)
  key!: string;

  @ApiProperty({ example: 'Acme Labs', maxLength: 10000 })
  @IsString()
  @MaxLength(10000)
  value!: string;

  @ApiPropertyOptional({ example: 'Greeting used by the support prompts', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

/** Only the fields to change; null clears the description and is a 400 for key and value. */
export class UpdateVariableDto extends PatchOf(CreateVariableDto) {}

export class ListVariablesQueryDto extends PageQueryDto {
  /** Case-insensitive search in the key. */
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  q?: string;
}

export class VariableResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() key!: string;
  @ApiProperty() value!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  /** Starts at 1, bumped by every update; the ETag header quotes it, If-Match sends it back. */
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

/** The module's response mapper: what of a row a client sees. */
export function toVariableResponse(row: VariableRow): VariableResponseDto {
  const { id, orgId, key, value, description, version, createdByUserId, createdAt, updatedAt } = row;
  return { id, orgId, key, value, description, version, createdByUserId, createdAt, updatedAt };
}
