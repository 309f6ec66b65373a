import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

/** An identity provider users may sign in with, for the frontend's buttons. */
export class OAuthProviderDto {
  @ApiProperty({ example: 'google', description: 'Used in /v1/auth/oauth/{provider}/…' }) id!: string;
  @ApiProperty({ example: 'Google' }) name!: string;
  @ApiProperty({ enum: ['oidc', 'github'], example: 'oidc' }) type!: 'oidc' | 'github';
}

export class OAuthStartQueryDto {
  /** Frontend page the browser comes back to (APP_URL's origin or one of CORS_ORIGINS). */
  @ApiProperty({ example: 'https://app.example.com/auth/callback', maxLength: 2000 })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  returnTo!: string;
}

export class OAuthLinkDto extends OAuthStartQueryDto {}

/** Where the browser goes next (link mode): the provider's authorization URL. */
export class OAuthRedirectDto {
  @ApiProperty({
    example: 'https://accounts.example.com/authorize?client_id=orgbase&response_type=code&state=…&code_challenge=…',
  })
  url!: string;
}

export class OAuthExchangeDto {
  /** The `code` the callback put on returnTo; works once, for a minute. */
  @ApiProperty({ example: 'hT3v0l1m9cQ2r6xW8yZkA4bN5dE7fG0jL2pS4uV6wXo', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  code!: string;
}

/** A provider account linked to the caller. Its tokens are never shown. */
export class AccountResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'github' }) provider!: string;
  /** The provider's id of the account (OIDC `sub`, GitHub user id). */
  @ApiProperty({ example: '583231' }) providerAccountId!: string;
  @ApiProperty({ type: String, nullable: true, example: 'ada@example.com' }) email!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'ada' }) login!: string | null;
  @ApiProperty() createdAt!: Date;
  /** Last sign-in through this account. */
  @ApiProperty() updatedAt!: Date;
}
