/**
 * Where an ask's time goes: the main thread's CPU profile over a run of questions, summed by
 * source file (self time: a file's own code; native calls, like SQLite's, count under "(native
 * and V8)"), plus the question embedding's wall time, which is spent in an embedding worker while
 * the main thread waits.
 */
import { Session } from 'node:inspector/promises';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  hitCount?: number;
}

/** Runs `work` under V8's sampling profiler; returns milliseconds of self time per source file, largest first. */
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export async function profileByFile(work: () => Promise<void>): Promise<Record<string, number>> {
  let profile: Profile;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    await work();
  } finally {
    profile = ((await session.post('Profiler.stop')) as { profile: Profile }).profile;
    session.disconnect();
  }
  const fileOf = new Map<number, string>();
  for (const node of profile.nodes) fileOf.set(node.id, label(node));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const file = fileOf.get(id) ?? '?';
    totals.set(file, (totals.get(file) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return Object.fromEntries([...totals].sort((a, b) => b[1] - a[1]));
}

function label(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(idle)') return '(idle: waiting for workers)';
  if (functionName === '(garbage collector)') return '(garbage collector)';
  if (!url) return '(native and V8)';
  if (url.includes('/node_modules/')) return `node_modules/${url.split('/node_modules/')[1]!.split('/')[0]}`;
  if (url.startsWith('node:')) return '(node internals)';
  const path = url.replace(/^file:\/\//, '');
  const inSrc = path.indexOf('/src/');
  return inSrc >= 0 ? path.slice(inSrc + 1) : basename(path);
}
