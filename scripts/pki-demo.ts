/**
 * npm run pki:demo [-- --out DIR] [--softhsm DIR] [--no-tokens] [--force]
 * Creates the demo CAs, CRL and cards (PEM + SoftHSM2 tokens). Idempotent.
 */
import path from 'node:path';
import { createDemoPki } from '../seeds/demoPki';
import { softhsmInstalled } from '../src/platform/pki/softhsm';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const out = path.resolve(opt('--out') ?? '.data/pki');
const softhsmDir = args.includes('--no-tokens') ? null : path.resolve(opt('--softhsm') ?? path.join(path.dirname(out), 'softhsm'));
if (softhsmDir && !softhsmInstalled()) {
  console.error('SoftHSM2 is not installed: run `sudo apt-get install softhsm2`, or pass --no-tokens for PEM files only.');
  process.exit(1);
}
const m = createDemoPki(out, { softhsmDir, force: args.includes('--force') });
console.log(`Demo PKI in ${out}${m.softhsmConf ? ` (tokens: SOFTHSM2_CONF=${m.softhsmConf})` : ''}`);
console.log(`PIN ${m.pin}, SO PIN (PUK) ${m.soPin}`);
for (const c of m.cards) console.log(`  ${c.name.padEnd(20)} ${c.cardNumber}  ${c.note}`);
