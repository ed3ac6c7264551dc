/**
 * Builds the card bridge for a Linux PC without Node or a compiler (see src/portal/bridgePackage.ts):
 *
 *   npm run bridge:package                 → dist/bridge/ecpa-card-bridge-<version>-linux-x64.tar.gz
 *                                            (+ ecpa-card-bridge_<version>_amd64.deb where dpkg-deb exists)
 *   npm run bridge:package -- --out DIR    into DIR instead
 *
 * The bridge answers the portal's PUBLIC_ORIGIN (src/config.ts). The portal's download route
 * builds the same files into dist/bridge on first request when they are not there.
 */
import path from 'node:path';
import { loadConfig } from '../src/config';
import { PACKAGE_DIR, buildBridgePackages } from '../src/portal/bridgePackage';

async function main() {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const at = args.indexOf('--out');
  const out = at >= 0 && args[at + 1] ? path.resolve(args[at + 1]!) : PACKAGE_DIR;
  const config = loadConfig();
  const built = await buildBridgePackages(out, [config.publicOrigin]);
  for (const p of [built.archive, built.deb]) {
    if (p) process.stdout.write(`${p.file}\n  ${(p.size / 1024 / 1024).toFixed(1)} MB  SHA-256 ${p.sha256}\n`);
  }
  if (!built.deb) process.stdout.write('dpkg-deb not found: no .deb built\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
