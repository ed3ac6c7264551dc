/**
 * What the benchmarks share: bench/server.ts started in its own process as a target (`bare`
 * Express answering 'hello', or the whole `portal`), stopped again, signed in to through the
 * real form, and the yardstick every benchmark reports against — bare Express loaded by
 * autocannon in the same run, so a figure can be read as a share of what this machine does
 * for the least possible request at that moment.
 */
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../src/platform/net';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Starts bench/server.ts under tsx and waits for it to listen. `checkout` runs the
 * bench/server.ts of another checkout of the product instead (an earlier commit, to compare).
 */
export async function startTarget(env: Record<string, string>, extraExecArgv: string[] = [], checkout?: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = fork(checkout ? path.join(checkout, 'bench', 'server.ts') : path.join(here, 'server.ts'), [], {
    ...(checkout ? { cwd: checkout } : {}),
    execArgv: ['--import', 'tsx', ...extraExecArgv],
    env: { ...process.env, ...env, BENCH_PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${env.BENCH_TARGET} did not start in 60 s`)), 60_000);
    child.on('message', (m: { ready?: number }) => m.ready && (clearTimeout(timer), resolve()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${env.BENCH_TARGET} exited with ${code}`))));
  });
  child.removeAllListeners('exit');
  return { child, port };
}

export function stopTarget(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill('SIGTERM');
  });
}

export function cookiesOf(res: Response): Map<string, string> {
  const jar = new Map<string, string>();
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
  }
  return jar;
}

/**
 * Signs in through the real form (CSRF token and all) and returns the session cookie. An
 * anonymous visitor has no session: the form's token is bound to the `ecpa.pre` cookie.
 */
export async function signIn(base: string, account: string, password: string, returnTo = '/'): Promise<string> {
  const page = await fetch(`${base}/login`, { redirect: 'manual' });
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  const pre = cookiesOf(page).get('ecpa.pre');
  if (!token || !pre) throw new Error('GET /login gave no CSRF token or no pre-session cookie');
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `ecpa.pre=${pre}` },
    body: new URLSearchParams({ _csrf: token, account, password, returnTo }).toString(),
  });
  const sid = cookiesOf(res).get('ecpa.sid');
  if (res.status !== 303 || !sid) throw new Error(`POST /login answered ${res.status} without a session cookie`);
  return `ecpa.sid=${sid}`;
}

export interface BareFigures {
  rps: number;
  p50: number;
  p99: number;
  connections: number;
}

export async function measureBareExpress(opts: { connections?: number; duration?: number; warmup?: number } = {}): Promise<BareFigures> {
  const connections = opts.connections ?? 20;
  const { child, port } = await startTarget({ BENCH_TARGET: 'bare' });
  try {
    const url = `http://127.0.0.1:${port}/`;
    if ((opts.warmup ?? 2) > 0) await autocannon({ url, connections, duration: opts.warmup ?? 2 });
    const r = await autocannon({ url, connections, duration: opts.duration ?? 5 });
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, connections };
  } finally {
    await stopTarget(child);
  }
}

export function bareLine(b: BareFigures): string {
  return `bare Express hello   ${b.rps.toFixed(0)} req/s  p50 ${b.p50.toFixed(1)} ms  p99 ${b.p99.toFixed(1)} ms  (${b.connections} connections, same run)`;
}
