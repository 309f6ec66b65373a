import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { InvitationStatus, MemberRole } from '../../../generated/prisma/enums';

/** Roles an invitation can carry: ownership is only ever transferred, never invited. */
export const INVITABLE_ROLES = ['ADMIN', 'EDITOR', 'VIEWER'] as const;
export type InvitableRole = (typeof INVITABLE_ROLES)[number];

const normalizeEmail = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export class CreateInvitationDto {
  @ApiProperty({ example: 'grace@example.com', maxLength: 254 })
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ enum: INVITABLE_ROLES })
  @IsIn(INVITABLE_ROLES, { message: `role must be one of ${INVITABLE_ROLES.join(', ')} (ownership is transferred)` })
  role!: InvitableRole;
}

export class ListInvitationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: InvitationStatus, enumName: 'InvitationStatus' })
  @IsOptional()
  @IsIn(Object.values(InvitationStatus))
  status?: InvitationStatus;
}

export class InvitationTokenDto {
  /** The token from the invitation email's link. */
  @ApiProperty({ example: '9f1c2e7a4b5d6e8f0a1b2c3d4e5f6a7b' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  token!: string;
}

/** Never carries the token: it exists only in the email. */
export class InvitationResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: MemberRole, enumName: 'MemberRole' }) role!: MemberRole;
  /** PENDING stays PENDING after expiresAt; compare it to tell expired ones. */
  @ApiProperty({ enum: InvitationStatus, enumName: 'InvitationStatus' }) status!: InvitationStatus;
  @ApiProperty() expiresAt!: Date;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) invitedByUserId!: string | null;
}
