import { ApiProperty } from '@nestjs/swagger';
import type { PlatformRole } from '../../../generated/prisma/enums';

/** A user as every route shows one: sign-in responses, /v1/me, the platform admin's user list. */
export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty() emailVerified!: boolean;
  @ApiProperty({ enum: ['ADMIN', 'USER'] }) platformRole!: PlatformRole;
  @ApiProperty() createdAt!: Date;
}

/** The columns a user response is made of; the user rows of every repository have them. */
export interface UserFields {
  id: string;
  email: string;
  name: string;
  emailVerifiedAt: Date | null;
  platformRole: PlatformRole;
  createdAt: Date;
}

export function toUserResponse(user: UserFields): UserResponseDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerifiedAt !== null,
    platformRole: user.platformRole,
    createdAt: user.createdAt,
  };
}
