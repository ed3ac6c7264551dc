/**
 * The yardstick every benchmark reports against: bare Express answering 'hello'
 * (bench/server.ts, BENCH_TARGET=bare) in its own process, loaded by autocannon in the same
 * run, so a figure can be read as a share of what this machine does for the least possible
 * request at that moment.
 */
import path from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../src/platform/net';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface BareFigures {
  rps: number;
  p50: number;
  p99: number;
  connections: number;
}

export async function measureBareExpress(opts: { connections?: number; duration?: number; warmup?: number } = {}): Promise<BareFigures> {
  const connections = opts.connections ?? 20;
  const port = await freePort();
  const child = fork(path.join(here, 'server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_TARGET: 'bare', BENCH_PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bare Express did not start in 60 s')), 60_000);
      child.on('message', (m: { ready?: number }) => m.ready && (clearTimeout(timer), resolve()));
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`bare Express exited with ${code}`))));
    });
    const url = `http://127.0.0.1:${port}/`;
    if ((opts.warmup ?? 2) > 0) await autocannon({ url, connections, duration: opts.warmup ?? 2 });
    const r = await autocannon({ url, connections, duration: opts.duration ?? 5 });
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, connections };
  } finally {
    child.removeAllListeners('exit');
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => (clearTimeout(timer), resolve()));
      child.kill('SIGTERM');
    });
  }
}

export function bareLine(b: BareFigures): string {
  return `bare Express hello   ${b.rps.toFixed(0)} req/s  p50 ${b.p50.toFixed(1)} ms  p99 ${b.p99.toFixed(1)} ms  (${b.connections} connections, same run)`;
}
