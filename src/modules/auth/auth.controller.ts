import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Authenticated, Public } from '../../common/auth/decorators';
import { AuthService } from './auth.service';
import { AuthTokensResponseDto, LoginDto, RefreshDto, RegisterDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Create an account and sign in. */
  @Post('register')
  @Public()
  @ApiCreatedResponse({ type: AuthTokensResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the email has an account' })
  register(@Body() dto: RegisterDto): Promise<AuthTokensResponseDto> {
    return this.auth.register(dto);
  }

  /** Sign in with email and password. */
  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: AuthTokensResponseDto })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: unknown email or wrong password (indistinguishable)' })
  login(@Body() dto: LoginDto): Promise<AuthTokensResponseDto> {
    return this.auth.login(dto);
  }

  /** Exchange a refresh token for a new pair; the old one stops working. */
  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: AuthTokensResponseDto })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: invalid, expired or reused (the session is then revoked)' })
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
}
