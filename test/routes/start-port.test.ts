import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/platform/net';

const root = path.join(import.meta.dirname, '../..');

/** Runs `npm start`'s script (scripts/start.ts) with `env`, to its exit. */
function start(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path.join(root, 'node_modules/.bin/tsx'), ['scripts/start.ts'], { cwd: root, env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe('npm start on a port already in use', () => {
  it('stops at once with a zh-TW and English message naming PORT, before touching any database', async () => {
    const port = await freePort();
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(port, '0.0.0.0', resolve));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-start-port-'));
    try {
      const r = await start({ PORT: String(port), DATA_DIR: dataDir, NODE_ENV: 'development', LOG_LEVEL: 'silent', CLOUD_WS_PORT: '0', START_BRIDGE: 'false' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`人事服務網無法啟動：連接埠 ${port} 已被其他程式使用`);
      expect(r.stderr).toContain(`環境變數 PORT 指定其他連接埠，例如 PORT=${port + 1} npm start`);
      expect(r.stderr).toContain(`Cannot start: port ${port} is already in use`);
      expect(r.stderr).not.toContain('Cannot read properties');
      expect(r.stdout).not.toContain('is running at');
      // Nothing was started: no embedded PostgreSQL folder in the data folder.
      expect(fs.existsSync(path.join(dataDir, 'pg'))).toBe(false);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    // Starting tsx itself takes a while on a busy machine; the start then stops at once.
  }, 150_000);
});
