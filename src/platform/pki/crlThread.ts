import crypto from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { markVerified, type Crl } from './crl';
import { RevokedTable, type RevokedTableData } from './revoked';

/** A CRL parsed (and its signature checked) in a worker thread. */
export interface ParsedOffThread {
  crl: Crl;
  /** Whether the CA key given signed it (null: no key given). */
  verified: boolean | null;
  /** The worker thread's id (never the main thread's 0). */
  threadId: number;
}

interface WorkerAnswer {
  threadId: number;
  verified: boolean | null;
  issuerDer: Uint8Array;
  thisUpdate: number;
  nextUpdate: number | null;
  tbs: Uint8Array;
  algorithm: { oid: string; params: Uint8Array | null };
  signature: Uint8Array;
  sha256: string;
  revoked: RevokedTableData;
}

const here = fileURLToPath(import.meta.url);
/** Run from the TypeScript sources (tsx in development, tests and the image) or compiled to .js. */
const fromSource = path.extname(here) === '.ts';
const entry = pathToFileURL(path.join(path.dirname(here), `crlWorker${path.extname(here)}`)).href;
/** tsx's loader, registered in the worker itself when it runs the sources (a worker does not inherit it under every runner). */
const tsxApi = fromSource ? pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href : null;

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsxApi) {
    const api = await import(workerData.tsxApi);
    (api.register ?? api.default.register)();
  }
  await import(workerData.entry);
})().catch((err) => { throw err; });
`;

const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/**
 * Parses a downloaded or stored CRL in a worker thread, so that a CRL of 500 000 entries
 * (seconds of parsing) never holds up the requests of this instance; with `caKey`, its
 * signature is checked there too (over the original tbsCertList, with its own algorithm).
 * The revoked serials come back as one byte array moved, not copied, between the threads; the
 * caller swaps the result in with one assignment. Rejects when the CRL does not parse.
 */
export function parseCrlOffThread(der: Buffer, caKey?: crypto.KeyObject): Promise<ParsedOffThread> {
  const spki = caKey ? caKey.export({ type: 'spki', format: 'der' }) : null;
  const input = { der: new Uint8Array(der), caKey: spki ? new Uint8Array(spki) : null };
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      execArgv: [],
      workerData: { ...input, entry, tsxApi },
      transferList: [input.der.buffer as ArrayBuffer],
    });
    let settled = false;
    worker.once('message', (m: { ok?: WorkerAnswer; error?: string }) => {
      settled = true;
      void worker.terminate();
      if (!m.ok) return reject(new Error(m.error ?? 'CRL worker failed'));
      const a = m.ok;
      const crl: Crl = {
        issuerDer: buf(a.issuerDer),
        thisUpdate: new Date(a.thisUpdate),
        nextUpdate: a.nextUpdate === null ? null : new Date(a.nextUpdate),
        revokedSerials: new RevokedTable(a.revoked),
        tbs: buf(a.tbs),
        algorithm: { oid: a.algorithm.oid, params: a.algorithm.params ? buf(a.algorithm.params) : null },
        signature: buf(a.signature),
        sha256: a.sha256,
      };
      if (a.verified && spki) markVerified(crl, spki);
      resolve({ crl, verified: a.verified, threadId: a.threadId });
    });
    worker.once('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`CRL worker exited with code ${code}`));
      settled = true;
    });
  });
}
