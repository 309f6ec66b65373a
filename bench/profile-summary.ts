/**
 * Where a server's CPU time goes, from V8 CPU profiles (`node --cpu-prof`): self time by package
 * (node_modules/<package>, node internals, GC, "(program)", the app's own code by src/ folder)
 * and the top functions. Only the samples inside a time window count (the load, not the start).
 *
 *   npx tsx bench/profile-summary.ts bench/results/profile/<run>/<case>/*.cpuprofile [--from-ms N] [--to-ms N]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** Of the busy (non-idle) time. */
  percent: number;
}

export interface ProfileSummary {
  files: string[];
  /** Sampled time in the window: busy + idle. */
  busyMs: number;
  idleMs: number;
  byPackage: Share[];
  /**
   * The same with the time of node internals and V8 builtins charged to the nearest package or
   * app frame that called them (jsonwebtoken's failed PEM parse, pg's socket writes).
   */
  byCallingPackage: Share[];
  topFunctions: (Share & { category: string })[];
}

/** Milliseconds since the profile started (the process start, give or take its boot). */
export interface Window {
  fromMs: number;
  toMs: number;
}

/** Which bucket a function's self time goes to. */
export function categoryOf(frame: CallFrame): string {
  const { functionName, url } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (['(program)', '(idle)', '(root)'].includes(functionName)) return functionName;
  if (!url) return 'V8 builtins / native';
  // On PostgreSQL the only WebAssembly in Orgbase is Prisma 7's query compiler (PGlite is one too, embedded).
  if (url.startsWith('wasm://')) return 'wasm (Prisma query compiler)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  const packages = path.lastIndexOf('/node_modules/');
  if (packages >= 0) {
    const [scope, name] = path.slice(packages + '/node_modules/'.length).split('/');
    return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
  }
  // Orgbase's build (dist/) or the bare server's (bench/results/build/): by folder of the source.
  const built = /\/(?:dist|bench\/results\/build)\/(.*)$/.exec(path);
  if (built) {
    const parts = built[1]!.replace(/^src\//, '').split('/');
    if (parts[0] === 'bench') return `bench/${parts[1]!.replace(/\.js$/, '')}`;
    if (parts[0] === 'generated') return 'src/generated (Prisma client)';
    if (parts.length <= 1) return 'src (top level)';
    return parts[0] === 'modules' || parts[0] === 'common' ? `src/${parts[0]}/${parts[1]}` : `src/${parts[0]}`;
  }
  return `other: ${path}`;
}

function where(frame: CallFrame): string {
  if (!frame.url) return '';
  const path = frame.url.replace(/^file:\/\//, '');
  const shown = path.includes('/node_modules/') ? path.slice(path.lastIndexOf('/node_modules/') + 14) : path;
  return `${shown.startsWith('/') ? relative(process.cwd(), shown) : shown}:${frame.lineNumber + 1}`;
}

function ranked(totals: Map<string, number>, busyMs: number, limit = Infinity): Share[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: Math.round((1000 * ms) / busyMs) / 10 }));
}

const RUNTIME = new Set(['node internals', 'V8 builtins / native']);

/** For a sample in node internals or a V8 builtin, the category of the nearest frame above it that is neither. */
function callingPackage(frames: Map<number, CallFrame>, parents: Map<number, number>) {
  return (nodeId: number, category: string): string => {
    if (!RUNTIME.has(category)) return category;
    for (let id = parents.get(nodeId); id !== undefined; id = parents.get(id)) {
      const above = categoryOf(frames.get(id)!);
      if (!RUNTIME.has(above) && above !== '(root)') return above;
    }
    return category;
  };
}

export function summarizeProfiles(files: string[], window?: Window, top = 15): ProfileSummary {
  const byPackage = new Map<string, number>();
  const byCallingPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const categoryOfFunction = new Map<string, string>();
  let idleMs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    const parents = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id])));
    const caller = callingPackage(frames, parents);
    // Sample i lasts until sample i + 1 (as DevTools counts it).
    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      at += profile.timeDeltas[i]!;
      const duration = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      const sinceStart = (at - profile.startTime) / 1000;
      if (window && (sinceStart < window.fromMs || sinceStart > window.toMs)) continue;
      const frame = frames.get(profile.samples[i]!)!;
      const category = categoryOf(frame);
      if (category === '(idle)') {
        idleMs += duration;
        continue;
      }
      byPackage.set(category, (byPackage.get(category) ?? 0) + duration);
      const charged = caller(profile.samples[i]!, category);
      byCallingPackage.set(charged, (byCallingPackage.get(charged) ?? 0) + duration);
      const name = `${frame.functionName || '(anonymous)'} ${where(frame)}`.trim();
      byFunction.set(name, (byFunction.get(name) ?? 0) + duration);
      categoryOfFunction.set(name, category);
    }
  }
  const busyMs = [...byPackage.values()].reduce((sum, ms) => sum + ms, 0);
  return {
    files,
    busyMs: Math.round(busyMs),
    idleMs: Math.round(idleMs),
    byPackage: ranked(byPackage, busyMs),
    byCallingPackage: ranked(byCallingPackage, busyMs),
    topFunctions: ranked(byFunction, busyMs, top).map((share) => ({
      ...share,
      category: categoryOfFunction.get(share.name)!,
    })),
  };
}

export function formatProfile(title: string, summary: ProfileSummary): string {
  const lines = [
    `${title}: ${summary.busyMs} ms busy, ${summary.idleMs} ms idle (${summary.files.length} profile file(s))`,
    '  self time by package  |  with node internals and V8 builtins charged to their calling package:',
    ...summary.byPackage
      .slice(0, 20)
      .map(
        (share, i) =>
          `    ${share.percent.toFixed(1).padStart(5)}%  ${share.name.padEnd(32)}|  ` +
          (summary.byCallingPackage[i]
            ? `${summary.byCallingPackage[i].percent.toFixed(1).padStart(5)}%  ${summary.byCallingPackage[i].name}`
            : ''),
      ),
    `  top ${summary.topFunctions.length} functions (self time):`,
    ...summary.topFunctions.map(
      (share) => `    ${share.percent.toFixed(1).padStart(5)}%  ${share.name}  [${share.category}]`,
    ),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const index = args.indexOf(name);
    return index >= 0 ? Number(args.splice(index, 2)[1]) : undefined;
  };
  const fromMs = option('--from-ms');
  const toMs = option('--to-ms');
  if (args.length === 0) {
    console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile>... [--from-ms N] [--to-ms N]');
    process.exit(2);
  }
  const window =
    fromMs !== undefined || toMs !== undefined ? { fromMs: fromMs ?? 0, toMs: toMs ?? Infinity } : undefined;
  console.log(formatProfile('CPU profile', summarizeProfiles(args, window)));
}
