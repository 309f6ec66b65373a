import { utils } from 'ssh2';
import { AppException } from '../../common/errors/app-exception';
import { resolveTarget, UnresolvedHostError } from '../hosts/tcp-target';
import { parsePrivateKey, sshFingerprint } from './ssh-probe';

const OPEN = { allowPrivate: true, allowedHosts: [] };
const STRICT = { allowPrivate: false, allowedHosts: [] };

describe('parsePrivateKey', () => {
  const plain = utils.generateKeyPairSync('ed25519');
  const locked = utils.generateKeyPairSync('ed25519', { passphrase: 'sesame', cipher: 'aes256-ctr', rounds: 2 });

  it('opens a plain key, and an encrypted one with its passphrase', () => {
    expect(parsePrivateKey(plain.private, null)).toMatchObject({ type: 'ssh-ed25519' });
    expect(parsePrivateKey(locked.private, 'sesame')).toMatchObject({ type: 'ssh-ed25519' });
  });

  it('says why a key is unusable: garbage, a public key, a missing or wrong passphrase', () => {
    expect(parsePrivateKey('garbage', null)).toEqual({ error: expect.any(String) });
    expect(parsePrivateKey(plain.public, null)).toEqual({ error: expect.stringContaining('public key') });
    expect(parsePrivateKey(locked.private, null)).toEqual({ error: expect.stringMatching(/passphrase/i) });
    expect(parsePrivateKey(locked.private, 'wrong')).toEqual({ error: expect.any(String) });
  });
});

describe('sshFingerprint', () => {
  it('prints SHA256 and unpadded base64, as OpenSSH does', () => {
    expect(sshFingerprint(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });
});

describe('resolveTarget', () => {
  it('answers the address to connect to, after the policy', async () => {
    expect(await resolveTarget('127.0.0.1', OPEN, 'ip')).toBe('127.0.0.1');
    expect(await resolveTarget('[::1]', OPEN, 'ip')).toBe('::1');
  });

  it('refuses metadata always and loopback without allowPrivate (422 on the field)', async () => {
    for (const [host, rules] of [
      ['169.254.169.254', OPEN],
      ['127.0.0.1', STRICT],
    ] as const) {
      const refused = await resolveTarget(host, rules, 'host').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AppException);
      expect(refused).toMatchObject({ status: 422, code: 'OUTBOUND_URL_REFUSED' });
    }
  });

  it('names an unresolvable host (not a refusal)', async () => {
    await expect(resolveTarget('no-such-host.invalid', OPEN, 'ip')).rejects.toBeInstanceOf(UnresolvedHostError);
  });
});
