import { createHash } from 'node:crypto';
import { Client, utils, type ParsedKey } from 'ssh2';
import { connectionError } from '../hosts/tcp-target';

/** The SHA-256 fingerprint of an SSH public key blob, as OpenSSH prints it (`SHA256:` + unpadded base64). */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Parses a private key with ssh2 (OpenSSH, PKCS#1/#8 PEM, PuTTY), decrypting it with the
 * passphrase when it is encrypted. Returns the key, or why it is unusable.
 */
export function parsePrivateKey(privateKey: string, passphrase: string | null): ParsedKey | { error: string } {
  const parsed = utils.parseKey(privateKey, passphrase ?? undefined);
  if (parsed instanceof Error) return { error: parsed.message };
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) return { error: 'No key found' };
  if (!key.isPrivateKey()) return { error: 'This is a public key; a private key is needed' };
  return key;
}

export interface SshCredentials {
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
}

export interface SshProbeResult {
  ok: boolean;
  latencyMs: number;
  error?: string;
  fingerprint?: string;
  serverVersion?: string;
}

/**
 * A real SSH handshake and sign-in to address:port, closed at once; never throws. The server's
 * host key fingerprint is reported; with `pinned` (a fingerprint seen before) any other key ends
 * the handshake before the credentials are sent, as OpenSSH does for a changed known host.
 */
export function probeSsh(
  address: string,
  port: number,
  credentials: SshCredentials,
  timeoutMs: number,
  pinned?: string,
): Promise<SshProbeResult> {
  const started = performance.now();
  let fingerprint: string | undefined;
  let serverVersion: string | undefined;
  /** Why the host key was refused: the reason whatever ssh2 then reports. */
  let refused: string | undefined;
  return new Promise((resolve) => {
    const client = new Client();
    let settled = false;
    const finish = (outcome: { ok: true } | { ok: false; error: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      client.destroy();
      resolve({
        ...outcome,
        latencyMs: Math.round(performance.now() - started),
        ...(fingerprint ? { fingerprint } : {}),
        ...(serverVersion ? { serverVersion } : {}),
      });
    };
    // readyTimeout covers the handshake and sign-in; this covers the TCP connect as well.
    const timer = setTimeout(() => finish({ ok: false, error: `No SSH session within ${timeoutMs} ms` }), timeoutMs);
    client
      .on('ready', () => finish({ ok: true }))
      .on('error', (error: Error & { level?: string; code?: string }) =>
        finish({ ok: false, error: refused ?? sshError(error, port, timeoutMs) }),
      )
      .on('close', () => finish({ ok: false, error: refused ?? 'The server closed the connection' }));
    // ssh2 throws at once for a key it cannot use (a key ring or passphrase that changed).
    try {
      client.connect({
        host: address,
        port,
        username: credentials.username,
        password: credentials.password,
        privateKey: credentials.privateKey,
        passphrase: credentials.passphrase,
        readyTimeout: timeoutMs,
        hostVerifier: (key: Buffer) => {
          fingerprint = sshFingerprint(key);
          if (pinned === undefined || fingerprint === pinned) return true;
          refused = hostKeyChanged(pinned, fingerprint);
          return false;
        },
        // The server's identification line is only reported through ssh2's debug output.
        debug: (line: string) => {
          const ident = /^Remote ident: '(.*)'$/.exec(line);
          if (ident) serverVersion = ident[1]!.replace(/\\r|\\n/g, '').trim();
        },
      });
    } catch (error) {
      finish({ ok: false, error: `The client could not start: ${(error as Error).message}` });
    }
  });
}

function hostKeyChanged(pinned: string, offered: string): string {
  return (
    `The server's host key changed: ${offered} is offered, ${pinned} was pinned. It may be another machine; ` +
    'if the change is expected, set hostKeyFingerprint to the new one (or null) and test again'
  );
}

/** An ssh2 error in words; never carries the credentials. */
function sshError(error: Error & { level?: string; code?: string }, port: number, timeoutMs: number): string {
  if (error.level === 'client-authentication') return `Authentication failed: ${error.message}`;
  if (error.level === 'client-timeout') return `No SSH handshake within ${timeoutMs} ms`;
  if (error.code) return connectionError(error, port);
  return error.message;
}
