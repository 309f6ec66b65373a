import { Body, Controller, Get, HttpCode, Param, Post, Query, Redirect, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiFoundResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Authenticated, Public } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { AuthTokensResponseDto } from '../auth/dto/auth.dto';
import {
  OAuthExchangeDto,
  OAuthLinkDto,
  OAuthProviderDto,
  OAuthRedirectDto,
  OAuthStartQueryDto,
} from './dto/accounts.dto';
import { OAuthService } from './oauth.service';

const PROVIDER = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** The `{provider}` path parameter, documented with its bounds. */
const ProviderParam = () =>
  ApiParam({ name: 'provider', schema: { type: 'string', maxLength: 40, example: 'google' } });

/**
 * Sign in with an identity provider (OpenID Connect issuers of OIDC_PROVIDERS, GitHub): the
 * browser goes start → provider → callback → the frontend's returnTo with a one-time `code`,
 * which the frontend trades for tokens at exchange. Tokens never travel in a URL.
 */
@ApiTag('auth')
@Controller('v1/auth/oauth')
export class OAuthController {
  constructor(private readonly oauth: OAuthService) {}

  /** The identity providers configured, for sign-in buttons. */
  @Get('providers')
  @Public()
  @ApiOkResponse({ type: [OAuthProviderDto] })
  listOAuthProviders(): OAuthProviderDto[] {
    return this.oauth.list();
  }

  /**
   * Start signing in: redirects (302) to the provider with state, PKCE (S256) and, for OpenID
   * Connect, a nonce. Open it as a page (a link or `window.location`), not with fetch.
   */
  @Get(':provider/start')
  @ProviderParam()
  @Public()
  @Redirect()
  @ApiFoundResponse({ description: "To the provider's authorization page" })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: returnTo is not on APP_URL or CORS_ORIGINS' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such provider' })
  @ApiServiceUnavailableResponse({ description: 'UNAVAILABLE: the provider cannot be reached (discovery failed)' })
  async startOAuthSignIn(
    @Param('provider') provider: string,
    @Query() query: OAuthStartQueryDto,
    @Req() request: FastifyRequest,
  ) {
    return { url: await this.oauth.start(knownShape(provider), query.returnTo, origin(request)), statusCode: 302 };
  }

  /**
   * Link a provider account to the signed-in caller: answers the provider URL to navigate to; the
   * callback then sends the browser to returnTo with `linked=<provider>` (or `error`).
   */
  @Post(':provider/link')
  @ProviderParam()
  @HttpCode(200)
  @Authenticated()
  @ApiOkResponse({ type: OAuthRedirectDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: returnTo is not on APP_URL or CORS_ORIGINS' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such provider' })
  @ApiServiceUnavailableResponse({ description: 'UNAVAILABLE: the provider cannot be reached (discovery failed)' })
  async linkOAuthAccount(
    @Param('provider') provider: string,
    @Body() dto: OAuthLinkDto,
    @Req() request: FastifyRequest,
  ): Promise<OAuthRedirectDto> {
    return { url: await this.oauth.startLink(knownShape(provider), dto.returnTo, origin(request)) };
  }

  /**
   * Where the provider sends the browser back. Redirects (302) to the flow's returnTo with `code`
   * (sign-in: trade it at /v1/auth/oauth/exchange), `linked` (link mode) or `error`: oauth_denied,
   * oauth_state_invalid (spent or expired), oauth_exchange_failed (code or PKCE refused, bad ID
   * token), email_unverified, email_taken_unverified, account_linked_elsewhere, account_unavailable.
   */
  @Get(':provider/callback')
  @ProviderParam()
  @Public()
  @Redirect()
  @ApiQuery({ name: 'code', required: false, schema: { type: 'string', maxLength: 4000 } })
  @ApiQuery({ name: 'state', required: true, schema: { type: 'string', maxLength: 4000 } })
  @ApiQuery({ name: 'error', required: false, schema: { type: 'string', maxLength: 4000 } })
  @ApiFoundResponse({ description: 'To returnTo with code, linked or error' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: the state names no sign-in in progress' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: no such provider' })
  async oauthCallback(@Param('provider') provider: string, @Req() request: FastifyRequest) {
    const url = await this.oauth.callback(knownShape(provider), stringParams(request.query), origin(request));
    return { url, statusCode: 302 };
  }

  /** Trade the callback's one-time code for the usual tokens (the same answer as /v1/auth/login). */
  @Post('exchange')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: AuthTokensResponseDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: the code is invalid, expired (a minute) or used' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: the account is suspended or deleted' })
  exchangeOAuthCode(@Body() dto: OAuthExchangeDto): Promise<AuthTokensResponseDto> {
    return this.oauth.exchange(dto.code);
  }
}

/** A provider id of a shape no configured one can have is simply unknown (404), like an unknown one. */
function knownShape(provider: string): string {
  return PROVIDER.test(provider) ? provider : '';
}

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** The callback's query as strings (a provider may add parameters, e.g. `iss`); repeated or odd values are dropped. */
function stringParams(query: unknown): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && value.length <= 4000) params[key] = value;
  }
  return params;
}
