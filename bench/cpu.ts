/**
 * CPU time by process, read from /proc (Linux only; null elsewhere), for the benchmarks that
 * report CPU milliseconds per request per process.
 */
import fs from 'node:fs';

/** CPU time (ms) of a process and all its descendants, ended children included; null off Linux. */
export function treeCpuMs(rootPid: number): number | null {
  if (!fs.existsSync('/proc/self/stat')) return null;
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const stats = new Map<number, { ppid: number; ms: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const raw = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      // state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14): the last two keep the
      // time of children that ended (PostgreSQL backends come and go).
      stats.set(Number(entry), { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * tick });
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  const todo = [rootPid];
  while (todo.length) {
    const pid = todo.pop()!;
    total += stats.get(pid)?.ms ?? 0;
    for (const [child, s] of stats) if (s.ppid === pid) todo.push(child);
  }
  return total;
}

/** Busy CPU time (ms) of the whole machine, from /proc/stat; null off Linux. */
export function machineBusyMs(): number | null {
  if (!fs.existsSync('/proc/stat')) return null;
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
}

/** The PID of a PostgreSQL data directory's postmaster, or null. */
export function postmasterPidOf(dataDir: string): number | null {
  try {
    return Number(fs.readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]) || null;
  } catch {
    return null;
  }
}

/** CPU ms per request of a target, PostgreSQL (all its backends), the load generator (this process) and everything else. */
export type CpuPerRequest = { server: number; postgres: number; loadGenerator: number; everythingElse: number };

/**
 * Starts counting the CPU time of a target's process tree, of the PostgreSQL server of `pgDir`,
 * of this process and of the whole machine; `perRequest(n)` divides what each spent since by n
 * requests (null where /proc cannot be read).
 */
export function cpuMeter(serverPid: number, pgDir: string): { perRequest(requests: number): CpuPerRequest | null } {
  const pgPid = postmasterPidOf(pgDir);
  const before = { server: treeCpuMs(serverPid), pg: pgPid ? treeCpuMs(pgPid) : null, self: process.cpuUsage(), machine: machineBusyMs() };
  return {
    perRequest(requests) {
      const self = process.cpuUsage(before.self);
      const after = { server: treeCpuMs(serverPid), pg: pgPid ? treeCpuMs(pgPid) : null, machine: machineBusyMs() };
      if (before.server === null || after.server === null || before.machine === null || after.machine === null) return null;
      const n = requests || 1;
      const server = after.server - before.server;
      const postgres = before.pg !== null && after.pg !== null ? Math.max(0, after.pg - before.pg) : 0;
      const loadGenerator = (self.user + self.system) / 1000;
      const everythingElse = Math.max(0, after.machine - before.machine - server - postgres - loadGenerator);
      const round = (v: number) => Math.round((v / n) * 1000) / 1000;
      return { server: round(server), postgres: round(postgres), loadGenerator: round(loadGenerator), everythingElse: round(everythingElse) };
    },
  };
}

/** The heads of a results table's CPU columns. */
export const CPU_COLUMNS = ['CPU ms/req: server', 'postgres', 'autocannon', 'other'];

/** The cells of those columns for one run, '-' where /proc could not be read. */
export function cpuCells(c: CpuPerRequest | null): string[] {
  return c ? [c.server, c.postgres, c.loadGenerator, c.everythingElse].map((v) => v.toFixed(3)) : ['-', '-', '-', '-'];
}

/** A plain-text table: the first column left-aligned, the others right-aligned, a rule under the head. */
export function textTable(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
