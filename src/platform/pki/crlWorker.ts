import crypto from 'node:crypto';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { parseCrlCompact, verifyCrlSignature } from './crl';
import type { RevokedTable } from './revoked';

/**
 * The CRL worker thread (started by crlThread.ts): parses the CRL given, checks its signature
 * with the CA key given (SubjectPublicKeyInfo DER) and sends back the parsed CRL, its revoked
 * serials as one transferred byte array, and this thread's id.
 */
export interface CrlWorkerInput {
  der: Uint8Array;
  /** The issuing CA's public key, SPKI DER; none: not checked here. */
  caKey: Uint8Array | null;
}

function run(input: CrlWorkerInput) {
  const crl = parseCrlCompact(Buffer.from(input.der.buffer, input.der.byteOffset, input.der.byteLength));
  const verified = input.caKey ? verifyCrlSignature(crl, crypto.createPublicKey({ key: Buffer.from(input.caKey), format: 'der', type: 'spki' })) : null;
  // Each buffer sent back owns its memory (a Buffer may share a pool or the input's).
  const own = (b: Buffer) => new Uint8Array(b);
  const revoked = (crl.revokedSerials as RevokedTable).toData();
  const out = {
    threadId,
    verified,
    issuerDer: own(crl.issuerDer),
    thisUpdate: crl.thisUpdate.getTime(),
    nextUpdate: crl.nextUpdate?.getTime() ?? null,
    tbs: own(crl.tbs),
    algorithm: { oid: crl.algorithm.oid, params: crl.algorithm.params ? own(crl.algorithm.params) : null },
    signature: own(crl.signature),
    sha256: crl.sha256,
    revoked,
  };
  parentPort!.postMessage({ ok: out }, [out.tbs.buffer, revoked.table]);
}

try {
  run(workerData as CrlWorkerInput);
} catch (err) {
  parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
}
