/**
 * Load and what it costs: autocannon against one server, and the CPU and memory of a process
 * tree read from /proc (a server with WEB_CONCURRENCY workers is its primary and their children;
 * PostgreSQL is its postmaster and the backends).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  /** Called for every request: its path and body (ids to cycle through, unique names). */
  next?: () => { path?: string; body?: string };
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const next = options.next;
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    connections: options.connections,
    duration: options.seconds,
    requests: next ? [{ setupRequest: (request) => ({ ...request, ...next() }) }] : undefined,
  });
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.total / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors, // timeouts included
  };
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // gone, or not on Linux
  }
}

/** `root` and all its descendants that are alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = Number(statFields(pid)?.[1]);
    if (parent) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/**
 * User + system CPU time of the tree so far, in ms (10 ms resolution). A child that has exited
 * (a closed pool connection's backend, an autovacuum worker) leaves the tree, but its time moves
 * to its parent's cutime/cstime once reaped, so every process counts its own and its reaped
 * children's time.
 */
export function treeCpuMs(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    const fields = statFields(pid);
    // utime, stime, cutime, cstime are fields 14 to 17 of stat; the slice starts at field 3.
    if (fields) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

/**
 * Busy CPU time of the whole machine so far (all cores), in ms: user, nice, system and steal.
 * Interrupt time is left out: it is mostly the loopback network of the load itself, which no
 * process is charged with.
 */
function machineBusyMs(): number {
  const [, user, nice, system, , , , , steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/);
  const ticks = [user, nice, system, steal].reduce((sum, value) => sum + Number(value), 0);
  return (ticks * 1000) / CLOCK_TICKS;
}

export function parentPid(pid: number): number | null {
  const parent = Number(statFields(pid)?.[1]);
  return parent || null;
}

/** Resident memory of each process of the tree, in MB. */
export function treeRssMb(root: number): { totalMb: number; processes: { pid: number; rssMb: number }[] } {
  const processes = processTree(root).flatMap((pid) => {
    try {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return kb ? [{ pid, rssMb: Math.round(Number(kb) / 1024) }] : [];
    } catch {
      return [];
    }
  });
  return { totalMb: processes.reduce((sum, p) => sum + p.rssMb, 0), processes };
}

export interface CpuUse {
  /** Per watched tree (0 for an absent one), ms. */
  treesMs: number[];
  /** This process: the load generator. */
  selfMs: number;
  /** Everything else on the machine: other users' work, the noise in the figures. */
  othersMs: number;
  /** Wall time × cores: what the machine could have given. */
  capacityMs: number;
}

/** Starts counting CPU time; the function it returns says how much went where since. */
export function cpuMeter(roots: (number | null)[]): () => CpuUse {
  const tree = (root: number | null) => (root ? treeCpuMs(root) : 0);
  const treesBefore = roots.map(tree);
  const machineBefore = machineBusyMs();
  const selfBefore = process.cpuUsage();
  const startedAt = performance.now();
  return () => {
    const treesMs = roots.map((root, i) => tree(root) - treesBefore[i]!);
    const self = process.cpuUsage(selfBefore);
    const selfMs = (self.user + self.system) / 1000;
    const used = machineBusyMs() - machineBefore;
    const othersMs = Math.max(0, used - selfMs - treesMs.reduce((sum, ms) => sum + ms, 0));
    return { treesMs, selfMs, othersMs, capacityMs: (performance.now() - startedAt) * cpus().length };
  };
}
