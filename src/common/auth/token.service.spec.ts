import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '../../config/app-config';
import { randomToken } from '../crypto/tokens';
import { TokenService } from './token.service';

describe('TokenService.successorRefreshToken', () => {
  const service = (jwtSecret: string) =>
    new TokenService(new JwtService(), loadConfig({ NODE_ENV: 'test' }), { jwtSecret });
  const secret = 'a'.repeat(40);

  it('is the same for the same token (a retry gets the same pair), different for another token', () => {
    const tokens = service(secret);
    const previous = randomToken();
    expect(tokens.successorRefreshToken(previous)).toBe(tokens.successorRefreshToken(previous));
    expect(tokens.successorRefreshToken(previous)).not.toBe(tokens.successorRefreshToken(randomToken()));
  });

  it('looks like any refresh token, and depends on the server secret', () => {
    const previous = randomToken();
    const successor = service(secret).successorRefreshToken(previous);
    expect(successor).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(successor).not.toBe(previous);
    expect(service('b'.repeat(40)).successorRefreshToken(previous)).not.toBe(successor);
  });
});
