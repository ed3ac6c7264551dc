import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { bridgeTarball } from '../../src/portal/bridgePackage';

// The card bridge download (/help/components/ecpa-card-bridge.tar.gz) is its own program:
// every relative import of its files must resolve inside the package.
describe('the card bridge package', () => {
  it('holds every file its code imports', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-package-'));
    try {
      fs.writeFileSync(path.join(dir, 'bridge.tar.gz'), await bridgeTarball());
      await tar.x({ file: path.join(dir, 'bridge.tar.gz'), cwd: dir });
      const root = path.join(dir, 'ecpa-card-bridge');
      const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
      expect(files).toContain(path.join('src', 'bridge', 'server.ts'));
      const missing: string[] = [];
      for (const f of files) {
        const text = fs.readFileSync(path.join(root, f), 'utf8');
        for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)) {
          const target = path.resolve(path.dirname(path.join(root, f)), m[1]!);
          if (![`${target}.ts`, path.join(target, 'index.ts')].some((c) => fs.existsSync(c))) missing.push(`${f} → ${m[1]}`);
        }
      }
      expect(missing).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
