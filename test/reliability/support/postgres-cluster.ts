import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries Debian installed (CI installs them too), if any. */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b));
  return versions.length ? join(root, versions.at(-1)!, 'bin') : undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A PostgreSQL cluster of the test's own under /tmp, so it can really be stopped and started
 * under load without touching any shared server. PostgreSQL refuses to run as root, so as root
 * (CI, this workplace) its commands run as the postgres user, as .ci/run does.
 */
export class LocalCluster {
  private readonly dir = mkdtempSync('/tmp/reliability-pg-');
  private readonly asRoot = process.getuid?.() === 0;

  private constructor(
    private readonly bin: string,
    readonly port: number,
  ) {}

  static async create(bin: string): Promise<LocalCluster> {
    const cluster = new LocalCluster(bin, await freePort());
    if (cluster.asRoot) chownSync(cluster.dir, uidOf('postgres'), gidOf('postgres'));
    await cluster.run('initdb', ['-D', cluster.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    await cluster.start();
    return cluster;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Runs a PostgreSQL tool without blocking the event loop (the server under test shares it). */
  private async run(tool: string, args: string[]): Promise<void> {
    const [command, all] = this.asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(this.bin, tool), ...args]]
      : [join(this.bin, tool), args];
    await run(command, all, { timeout: 60_000 });
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
    await this.run('pg_ctl', ['-D', this.data, '-w', '-l', join(this.dir, 'log'), '-o', options, 'start']);
  }

  /** A real stop: `fast` ends every session (57P01) and refuses new connections. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.run('pg_ctl', ['-D', this.data, '-w', '-m', mode, 'stop']);
  }

  async destroy(): Promise<void> {
    await this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function idOf(flag: '-u' | '-g', user: string): number {
  return Number(execFileSync('id', [flag, user]).toString().trim());
}
const uidOf = (user: string) => idOf('-u', user);
const gidOf = (user: string) => idOf('-g', user);
