/**
 * CRL benchmark: builds a CRL of 500 000 entries (the size of a large national CA's), then
 * measures what the portal does with one off the request path: parse (src/platform/pki/crl.ts),
 * verify its signature, the memory the revoked-serial Set holds, and a lookup; then the same in
 * the worker thread the portal uses (crlThread.ts): the wall time, the longest the main thread's
 * event loop was held meanwhile (versus a parse on it), the table's memory and its lookup.
 *   npx tsx --expose-gc bench/crl.ts [entries]
 */
import crypto from 'node:crypto';
import forge from 'node-forge';
import { createCa } from '../src/platform/pki/ca';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseCrlDer, subjectDer, verifyCrlSignature, type Crl } from '../src/platform/pki/crl';
import { parseCrlOffThread } from '../src/platform/pki/crlThread';
import type { RevokedTable } from '../src/platform/pki/revoked';
import { buildCrl, serials } from '../test/support/crl';

const entries = Number(process.argv[2] ?? 500_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npx tsx --expose-gc bench/crl.ts)');

const ca = createCa('Bench CRL CA', 'Bench');
const caDer = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(ca.cert)).getBytes(), 'binary');
const key = crypto.createPrivateKey(forge.pki.privateKeyToPem(ca.key.privateKey));
const pub = crypto.createPublicKey(forge.pki.publicKeyToPem(ca.cert.publicKey));
const list = serials(entries);
const der = buildCrl({ issuer: subjectDer(caDer), key, serials: list });

const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const runs: { parse: number; verify: number }[] = [];
for (let i = 0; i < 5; i++) {
  gc();
  let t = process.hrtime.bigint();
  const crl = parseCrlDer(der);
  const parse = ms(t);
  t = process.hrtime.bigint();
  if (!verifyCrlSignature(crl, pub)) throw new Error('signature');
  runs.push({ parse, verify: ms(t) });
}
// Memory of one parsed CRL: heap with it minus heap without it.
gc();
const base = process.memoryUsage();
const crl: Crl = parseCrlDer(der);
gc();
const withCrl = process.memoryUsage();
const heapMb = (withCrl.heapUsed - base.heapUsed) / 1048576;
const extMb = (withCrl.external + withCrl.arrayBuffers - base.external - base.arrayBuffers) / 1048576;

// Lookups: hits and misses, a million each.
const probes = [...list.filter((_, i) => i % 997 === 0), ...serials(500, 99)];
let found = 0;
const t = process.hrtime.bigint();
for (let i = 0; i < 1_000_000; i++) if (crl.revokedSerials.has(probes[i % probes.length]!)) found++;
const lookupNs = Number(process.hrtime.bigint() - t) / 1_000_000;

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The longest event-loop delay (ms) while `work` runs, sampled every 10 ms. */
async function loopDelayMax(work: () => Promise<unknown> | unknown): Promise<{ maxMs: number; wallMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  await new Promise((r) => setTimeout(r, 50));
  const t0 = process.hrtime.bigint();
  await work();
  const wallMs = ms(t0);
  await new Promise((r) => setTimeout(r, 50));
  h.disable();
  return { maxMs: Math.round(h.max / 1e6), wallMs: Math.round(wallMs) };
}

const onMain = await loopDelayMax(() => verifyCrlSignature(parseCrlDer(der), pub));
const offRuns: { maxMs: number; wallMs: number }[] = [];
for (let i = 0; i < 3; i++) {
  offRuns.push(
    await loopDelayMax(async () => {
      const r = await parseCrlOffThread(der, pub);
      if (!r.verified || r.threadId === 0) throw new Error('worker');
    }),
  );
}
// Memory of what the worker hands over: the table (a byte array outside the JS heap) and the tbs kept.
const table: Crl = (await parseCrlOffThread(der, pub)).crl;
const tableMb = (table.revokedSerials as RevokedTable).toData().table.byteLength / 1048576;
let found2 = 0;
const t2 = process.hrtime.bigint();
for (let i = 0; i < 1_000_000; i++) if (table.revokedSerials.has(probes[i % probes.length]!)) found2++;
const tableLookupNs = Number(process.hrtime.bigint() - t2) / 1_000_000;

console.log(
  JSON.stringify(
    {
      entries: crl.revokedSerials.size,
      crlBytes: der.length,
      parseMsMedian: Math.round(median(runs.map((r) => r.parse))),
      verifyMsMedian: Math.round(median(runs.map((r) => r.verify)) * 10) / 10,
      heapMb: Math.round(heapMb * 10) / 10,
      buffersMb: Math.round(extMb * 10) / 10,
      lookupNsPerOp: Math.round(lookupNs),
      hits: found,
      mainThread: { parseAndVerifyMs: onMain.wallMs, eventLoopMaxDelayMs: onMain.maxMs },
      workerThread: {
        parseAndVerifyMsMedian: median(offRuns.map((r) => r.wallMs)),
        eventLoopMaxDelayMsWorst: Math.max(...offRuns.map((r) => r.maxMs)),
        tableMb: Math.round(tableMb * 10) / 10,
        tbsMb: Math.round((table.tbs.length / 1048576) * 10) / 10,
        lookupNsPerOp: Math.round(tableLookupNs),
        hits: found2,
      },
    },
    null,
    2,
  ),
);
