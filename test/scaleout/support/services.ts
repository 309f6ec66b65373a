import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../reliability/support/postgres-cluster';

/**
 * Debian's redis-server and nginx as child processes of the test, each on a free port with its
 * files in a temporary folder, in the foreground (no daemon, no system paths, any user). CI
 * installs the packages (redis-server, nginx-light).
 */

/** Whether Debian's binary is on PATH. */
function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** What the scale-out tests lack on this machine, if anything (they are skipped then). */
export function scaleoutMissing(): string | undefined {
  if (!process.env.DATABASE_URL) return 'DATABASE_URL is not set';
  return ['redis-server', 'nginx'].filter((name) => !hasCommand(name)).map((name) => `${name} is not installed`)[0];
}

/** Resolves once something accepts TCP connections on the port. */
async function listening(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before listening:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`not listening on ${port} after 10 s:\n${output()}`);
}

abstract class ChildService {
  protected child?: ChildProcess;
  protected output = '';

  protected async launch(command: string, args: string[], port: number): Promise<void> {
    this.output = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child = child;
    await listening(port, child, () => this.output);
  }

  /** Stops the process and waits for it to be gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

/** A throwaway Redis: nothing saved to disk. */
export class RedisServer extends ChildService {
  private constructor(readonly port: number) {
    super();
  }

  static async start(port?: number): Promise<RedisServer> {
    const redis = new RedisServer(port ?? (await freePort()));
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** (Again) on the same port, empty. */
  start(): Promise<void> {
    return this.launch(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      this.port,
    );
  }
}

const NGINX_TEMPLATE = join(__dirname, '..', 'nginx.conf');

/** nginx from test/scaleout/nginx.conf, round robin over `upstreams` (base URLs). */
export class Nginx extends ChildService {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    super();
  }

  static async start(upstreams: string[]): Promise<Nginx> {
    const dir = mkdtempSync('/tmp/orgbase-nginx-');
    // As root, nginx's worker runs as nobody and must reach its temporary folders here.
    chmodSync(dir, 0o755);
    const nginx = new Nginx(dir, await freePort());
    const servers = upstreams.map((base) => `    server ${new URL(base).host};`).join('\n');
    const config = readFileSync(NGINX_TEMPLATE, 'utf8')
      .replaceAll('__DIR__', dir)
      .replaceAll('__PORT__', String(nginx.port))
      .replace('__SERVERS__', servers);
    writeFileSync(join(dir, 'nginx.conf'), config);
    await nginx.launch('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], nginx.port);
    return nginx;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  override async stop(): Promise<void> {
    // SIGQUIT: nginx's graceful stop.
    await super.stop('SIGQUIT');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
