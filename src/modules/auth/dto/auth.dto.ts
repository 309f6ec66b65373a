import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { UserResponseDto } from '../../users/dto/user-response.dto';

const normalizeEmail = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email!: string;

  /** 10 to 128 characters. */
  @ApiProperty({ minLength: 10, maxLength: 128, example: 'correct horse battery' })
  @IsString()
  @MinLength(10)
  @MaxLength(128)
  password!: string;

  @ApiProperty({ example: 'Ada Lovelace', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;
}

export class LoginDto {
  @ApiProperty({ example: 'owner@orgbase.local' })
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'orgbase-demo-1' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ example: 'rt_3q2-7wZr9cXk1bYq0pLm' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  refreshToken!: string;
}

export class AuthTokensResponseDto {
  @ApiProperty({ type: UserResponseDto }) user!: UserResponseDto;
  /** JWT for `Authorization: Bearer`. */
  @ApiProperty() accessToken!: string;
  /** Opaque; exchange at /v1/auth/refresh. Each one works once. */
  @ApiProperty() refreshToken!: string;
  /** Seconds until the access token expires. */
  @ApiProperty() expiresIn!: number;
}

export class VerifyEmailDto {
  /** The token from the verification link. */
  @ApiProperty({ example: '9f1c2e7a4b5d6e8f0a1b2c3d4e5f6a7b' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  token!: string;
}

/** The token from the mailed unlock link (same shape as the verification link's). */
export class UnlockAccountDto extends VerifyEmailDto {}

export class ForgotPasswordDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email!: string;
}

export class ResetPasswordDto {
  /** The token from the reset link. */
  @ApiProperty({ example: '9f1c2e7a4b5d6e8f0a1b2c3d4e5f6a7b' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  token!: string;

  /** The new password, 10 to 128 characters. */
  @ApiProperty({ example: 'a new long passphrase', minLength: 10, maxLength: 128 })
  @IsString()
  @MinLength(10)
  @MaxLength(128)
  password!: string;
}

export class ChangePasswordDto {
  @ApiProperty({ example: 'orgbase-demo-1', maxLength: 128 })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  currentPassword!: string;

  /** 10 to 128 characters. */
  @ApiProperty({ example: 'a new long passphrase', minLength: 10, maxLength: 128 })
  @IsString()
  @MinLength(10)
  @MaxLength(128)
  newPassword!: string;
}

export class SessionResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() lastUsedAt!: Date;
  @ApiProperty() expiresAt!: Date;
  /** True for the session of the access token making this request. */
  @ApiProperty() current!: boolean;
}
