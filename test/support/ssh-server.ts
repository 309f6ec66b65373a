import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { Server, utils, type AuthContext } from 'ssh2';
import { sshFingerprint } from '../../src/modules/ssh-connections/ssh-probe';

/** A key pair in OpenSSH formats, as ssh2 generates it. */
export interface KeyPair {
  private: string;
  public: string;
}

export interface StubSshServer {
  port: number;
  username: string;
  password: string;
  /** The server's host key fingerprint, as the client should report it. */
  fingerprint: string;
  /** Accepted for public-key sign-in: an unencrypted key and one encrypted with `passphrase`. */
  clientKey: KeyPair;
  encryptedClientKey: KeyPair;
  passphrase: string;
  /** A valid key the server does not accept. */
  strangerKey: KeyPair;
  /** Sign-ins that succeeded, by method. */
  accepted: string[];
  close(): Promise<void>;
}

export const newKeyPair = (passphrase?: string): KeyPair =>
  utils.generateKeyPairSync('ed25519', passphrase ? { passphrase, cipher: 'aes256-ctr', rounds: 4 } : {});

/**
 * An SSH server on loopback (ssh2's Server) with a generated ed25519 host key: it accepts
 * `username` with `password`, or with one of its accepted public keys, and nothing else.
 */
export async function startSshServer(): Promise<StubSshServer> {
  const hostKey = newKeyPair();
  const passphrase = 'open sesame 42';
  const clientKey = newKeyPair();
  const encryptedClientKey = newKeyPair(passphrase);
  const accepted: string[] = [];
  const allowed = [clientKey, encryptedClientKey].map((pair) => utils.parseKey(pair.public));
  const username = 'runner';
  const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
  const server = new Server({ hostKeys: [hostKey.private], ident: 'OrgbaseTestSSH_1.0' }, (client) => {
    client.on('authentication', (ctx: AuthContext) => {
      if (ctx.username !== username) return ctx.reject();
      if (ctx.method === 'password' && ctx.password === password) {
        accepted.push('password');
        return ctx.accept();
      }
      if (ctx.method === 'publickey') {
        const key = allowed.find(
          (k) => !(k instanceof Error) && !Array.isArray(k) && k.getPublicSSH().equals(ctx.key.data),
        );
        if (key && !(key instanceof Error) && !Array.isArray(key)) {
          // Without a signature the client only asks whether the key would do.
          if (!ctx.signature) return ctx.accept();
          if (key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo)) {
            accepted.push('publickey');
            return ctx.accept();
          }
        }
      }
      ctx.reject(['password', 'publickey']);
    });
    client.on('ready', () => client.end());
    client.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const parsedHost = utils.parseKey(hostKey.public);
  if (parsedHost instanceof Error || Array.isArray(parsedHost)) throw new Error('host key did not parse');
  return {
    port: (server.address() as AddressInfo).port,
    username,
    password,
    fingerprint: sshFingerprint(parsedHost.getPublicSSH()),
    clientKey,
    encryptedClientKey,
    passphrase,
    strangerKey: newKeyPair(),
    accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A plain TCP listener on loopback (an open port for host checks). */
export async function startTcpListener(): Promise<{ port: number; close(): Promise<void> }> {
  const server: NetServer = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on (taken and released at once). */
export async function closedPort(): Promise<number> {
  const { port, close } = await startTcpListener();
  await close();
  return port;
}
