import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUrl, IsUUID, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { UserResponseDto } from './user-response.dto';

const MEMBER_ROLES = ['OWNER', 'ADMIN', 'EDITOR', 'VIEWER'] as const;

export class MeResponseDto extends UserResponseDto {
  /** The organization the caller last switched to (PUT /v1/me/active-org). */
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) lastActiveOrgId!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'en-US' }) locale!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Europe/Paris' }) timezone!: string | null;
  @ApiProperty({ type: String, nullable: true }) image!: string | null;
}

/** Fields to change; locale, timezone and image take null to clear them. */
export class UpdateMeDto {
  @ApiPropertyOptional({ example: 'Ada Lovelace', minLength: 1, maxLength: 100 })
  @ValidateIf((dto: UpdateMeDto) => dto.name !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  /** A language tag: `en`, `en-US`. */
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'en-US',
    pattern: '^[a-z]{2,3}(-[A-Z]{2})?$',
    maxLength: 6,
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z]{2,3}(-[A-Z]{2})?$/, { message: 'locale must look like en or en-US' })
  locale?: string | null;

  /** An IANA time zone name: `Europe/Paris`, `UTC`. */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Europe/Paris', maxLength: 64 })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/, {
    message: 'timezone must be an IANA name like Europe/Paris',
  })
  @MaxLength(64)
  timezone?: string | null;

  /** An http(s) URL of the avatar. */
  @ApiPropertyOptional({
    example: 'https://example.com/avatar.png',
    type: String,
    nullable: true,
    format: 'uri',
    maxLength: 2048,
  })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2048)
  image?: string | null;
}

export class SetActiveOrgDto {
  @ApiProperty({ example: '01936f3e-8c2a-7b4d-9e1f-2a3b4c5d6e7f', format: 'uuid' })
  @IsUUID()
  orgId!: string;
}

export class MyInvitationResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() orgName!: string;
  @ApiProperty({ enum: MEMBER_ROLES }) role!: (typeof MEMBER_ROLES)[number];
  @ApiProperty() expiresAt!: Date;
  @ApiProperty() createdAt!: Date;
}

/** Deleting one's account asks for the password again. */
export class DeleteMeDto {
  @ApiProperty({ example: 'orgbase-demo-1', maxLength: 128 })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;
}
