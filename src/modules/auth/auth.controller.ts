import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Authenticated, Public } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import { AuthService } from './auth.service';
import {
  AuthTokensResponseDto,
  ChangePasswordDto,
  ForgotPasswordDto,
  LoginDto,
  RefreshDto,
  RegisterDto,
  ResetPasswordDto,
  SessionResponseDto,
  UnlockAccountDto,
  VerifyEmailDto,
} from './dto/auth.dto';
import { UserResponseDto } from '../users/dto/user-response.dto';

@ApiTag('auth', 'Accounts and sessions: sign-up, sign-in, tokens, email verification, passwords.')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Create an account and sign in; a verification link is mailed. */
  @Post('register')
  @Public()
  @ApiCreatedResponse({ type: AuthTokensResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the email has an account' })
  @ApiTooManyRequestsResponse({
    description: 'RATE_LIMITED: this address had REGISTER_MAX_DUPLICATES_PER_IP 409s this hour; see Retry-After',
  })
  register(@Body() dto: RegisterDto): Promise<AuthTokensResponseDto> {
    return this.auth.register(dto);
  }

  /** Sign in with email and password. */
  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: AuthTokensResponseDto })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: unknown email or wrong password (indistinguishable)' })
  @ApiTooManyRequestsResponse({
    description:
      'RATE_LIMITED: too many failures for this account from this address, from this address, or for this ' +
      'account from everywhere (then only addresses it signed in from before, until the mailed unlock link); see Retry-After',
  })
  login(@Body() dto: LoginDto): Promise<AuthTokensResponseDto> {
    return this.auth.login(dto);
  }

  /** Exchange a refresh token for a new pair; the old one stops working. */
  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: AuthTokensResponseDto })
  @ApiUnauthorizedResponse({
    description:
      'UNAUTHENTICATED: invalid, expired or reused (the session is then revoked); presented again within ' +
      'REFRESH_REUSE_GRACE_SECONDS of its rotation it returns the same new pair instead',
  })
  refresh(@Body() dto: RefreshDto): Promise<AuthTokensResponseDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  /** End the current session. */
  @Post('logout')
  @HttpCode(204)
  @Authenticated()
  @ApiNoContentResponse({ description: 'Signed out' })
  logout(): Promise<void> {
    return this.auth.logout();
  }

  /** Confirm an email address with the token from the verification link. */
  @Post('verify-email')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: UserResponseDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: the token is invalid, expired or used' })
  verifyEmail(@Body() dto: VerifyEmailDto): Promise<UserResponseDto> {
    return this.auth.verifyEmail(dto.token);
  }

  /** Mail the caller a new verification link (nothing is sent when already verified). */
  @Post('verify-email/resend')
  @HttpCode(202)
  @Authenticated()
  @ApiAcceptedResponse({ description: 'A new link is on its way unless the email is verified' })
  resendVerification(): Promise<void> {
    return this.auth.resendVerification();
  }

  /** Mail a password reset link; the answer does not say whether the email has an account. */
  @Post('forgot-password')
  @Public()
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'A link is mailed if the email has an account (looked up after the answer)' })
  forgotPassword(@Body() dto: ForgotPasswordDto): void {
    this.auth.forgotPassword(dto.email);
  }

  /** Set a new password with the token from the reset link; every session of the user ends. */
  @Post('reset-password')
  @Public()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Password set; sign in again' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: the token is invalid, expired or used' })
  resetPassword(@Body() dto: ResetPasswordDto): Promise<void> {
    return this.auth.resetPassword(dto.token, dto.password);
  }

  /**
   * Lift the account-wide sign-in limit with the token from the mailed unlock link (sent when
   * failures from many addresses reach LOGIN_ACCOUNT_MAX_FAILURES).
   */
  @Post('unlock-account')
  @Public()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Unlocked: sign-in works from any address again' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: the token is invalid, expired or used' })
  unlockAccount(@Body() dto: UnlockAccountDto): Promise<void> {
    return this.auth.unlockAccount(dto.token);
  }

  /** Change the caller's password; their other sessions end. */
  @Post('change-password')
  @HttpCode(204)
  @Authenticated()
  @ApiNoContentResponse({ description: 'Password changed' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: the current password is incorrect' })
  changePassword(@Body() dto: ChangePasswordDto): Promise<void> {
    return this.auth.changePassword(dto);
  }

  /** List the caller's live sessions, newest first. */
  @Get('sessions')
  @Authenticated()
  @ApiOkResponse({ type: PageOf(SessionResponseDto) })
  listSessions(@Query() query: PageQueryDto) {
    return this.auth.listSessions(query);
  }

  /** End one of the caller's sessions. */
  @Delete('sessions/:sessionId')
  @HttpCode(204)
  @Authenticated()
  @ApiNoContentResponse({ description: 'Session ended' })
  revokeSession(@Param('sessionId', UuidParamPipe) sessionId: string): Promise<void> {
    return this.auth.revokeSession(sessionId);
  }
}
