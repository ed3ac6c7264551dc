import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoPki, type DemoPkiManifest } from '../../seeds/demoPki';
import { DEFAULT_PKCS11_MODULE, softhsmInstalled } from '../../src/platform/pki/softhsm';
import { BRIDGE_VERSION } from '../../src/platform/pki/bridgeVersion';
import { freePort } from '../../src/platform/net';
import { buildApp } from '../support/app';

// The bridge as a civil servant installs it: the archive the portal offers, unpacked, runs
// with ITS OWN runtime (no node on PATH) against a PKCS#11 module; install.sh sets it up in
// the home folder to start at login, uninstall.sh removes it; the .deb holds the same tree.
const PORTAL = 'http://portal.test';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-bridge-package-'));
const t = buildApp();
let manifest: DemoPkiManifest;
let archive: Buffer;
let deb: Buffer;
let child: ChildProcess | null = null;

async function download(url: string): Promise<{ status: number; body: Buffer; headers: Record<string, string> }> {
  const res = await request(t.app)
    .get(url)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  return { status: res.status, body: res.body as Buffer, headers: res.headers as Record<string, string> };
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  if (!softhsmInstalled()) throw new Error('SoftHSM2 is needed for the bridge tests: apt-get install softhsm2');
  manifest = createDemoPki(path.join(root, 'pki'), { softhsmDir: path.join(root, 'softhsm') });
  // Built on demand by the portal's download route (the first request builds, then the cache answers).
  const a = await download('/help/components/ecpa-card-bridge.tar.gz');
  expect(a.status).toBe(200);
  archive = a.body;
  expect(a.headers['content-disposition']).toContain(`ecpa-card-bridge-${BRIDGE_VERSION}-linux-x64.tar.gz`);
  const d = await download('/help/components/ecpa-card-bridge.deb');
  expect(d.status).toBe(200);
  deb = d.body;
  expect(d.headers['content-disposition']).toContain(`ecpa-card-bridge_${BRIDGE_VERSION}_amd64.deb`);
}, 600_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
  await t.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('the Linux package', () => {
  it('is offered on 元件下載區 with its size and SHA-256', async () => {
    const page = await request(t.app).get('/help/components');
    expect(page.status).toBe(200);
    expect(page.text).toContain(sha256(archive));
    expect(page.text).toContain(sha256(deb));
    expect(page.text).toContain(`${(archive.length / 1024 / 1024).toFixed(1)} MB`);
    expect(page.text).toContain(`data-version="${BRIDGE_VERSION}"`);
    // The second download is the cached file.
    expect(sha256((await download('/help/components/ecpa-card-bridge.tar.gz')).body)).toBe(sha256(archive));
  });

  it('runs unpacked with its own Node runtime (no node on PATH) and lists the SoftHSM2 cards', async () => {
    const dir = path.join(root, 'unpacked');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(root, 'bridge.tar.gz'), archive);
    await tar.x({ file: path.join(root, 'bridge.tar.gz'), cwd: dir });
    const home = path.join(dir, 'ecpa-card-bridge');
    expect(fs.lstatSync(path.join(home, 'runtime/node')).isFile()).toBe(true);
    expect(fs.existsSync(path.join(home, 'app/node_modules/pkcs11js/build/Release/pkcs11.node'))).toBe(true);
    expect(fs.readdirSync(path.join(home, 'app')).some((f) => f.endsWith('.ts'))).toBe(false);
    // No node, npm or compiler reachable: PATH is empty.
    expect(spawnSync('/bin/sh', ['-c', 'command -v node || command -v npm || command -v cc'], { env: { PATH: '' } }).status).not.toBe(0);
    const port = await freePort();
    child = spawn(path.join(home, 'ecpa-card-bridge'), [], {
      env: {
        PATH: '',
        HOME: path.join(root, 'home-run'),
        SOFTHSM2_CONF: manifest.softhsmConf!,
        PKCS11_MODULE: DEFAULT_PKCS11_MODULE,
        BRIDGE_PORT: String(port),
        BRIDGE_ALLOWED_ORIGINS: PORTAL,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bridge did not start: ${out}`)), 60_000);
      const check = () => {
        if (out.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child!.stdout!.on('data', check);
      child!.once('exit', (code) => reject(new Error(`bridge exited ${code}: ${out}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    // As IT update scripts read it.
    const home1 = await (await fetch(`${base}/`)).text();
    expect(home1).toMatch(new RegExp(`version:${BRIDGE_VERSION.replace(/\./g, '\\.')}`));
    const info = (await (await fetch(`${base}/pkcs11info?withcert=true`)).json()) as {
      func: string;
      ret_code: number;
      slots: Array<{ token: { serialNumber: string; certs: Array<{ usage: string; label: string }> } | null }>;
    };
    expect(info).toMatchObject({ func: 'pkcs11info', ret_code: 0 });
    const tokens = info.slots.filter((s) => s.token);
    expect(tokens.length).toBeGreaterThan(3);
    const usages = tokens.flatMap((s) => s.token!.certs.map((c) => c.usage));
    expect(usages).toContain('digitalSignature');
    expect(usages).toContain('keyEncipherment|dataEncipherment');
    // The PIN counter goes to the user's state folder, not the current directory.
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }, 180_000);

  it('install.sh installs it in the home folder to start at login; uninstall.sh removes it', () => {
    const src = path.join(root, 'unpacked', 'ecpa-card-bridge');
    const home = path.join(root, 'home-install');
    fs.mkdirSync(home);
    const env = { HOME: home, PATH: '/usr/bin:/bin' };
    const installed = spawnSync('/bin/sh', [path.join(src, 'install.sh')], { env, encoding: 'utf8' });
    expect(installed.status, installed.stderr).toBe(0);
    const dest = path.join(home, '.local/share/ecpa-card-bridge');
    expect(fs.readFileSync(path.join(dest, 'VERSION'), 'utf8').trim()).toBe(BRIDGE_VERSION);
    expect(fs.existsSync(path.join(dest, 'runtime/node'))).toBe(true);
    // Started at login: a systemd user unit where there is one, else XDG autostart.
    const unit = path.join(home, '.config/systemd/user/ecpa-card-bridge.service');
    const desktop = path.join(home, '.config/autostart/ecpa-card-bridge.desktop');
    const starter = fs.existsSync(unit) ? fs.readFileSync(unit, 'utf8') : fs.readFileSync(desktop, 'utf8');
    expect(starter).toContain(`${dest}/ecpa-card-bridge`);
    if (!fs.existsSync(unit)) expect(starter).toMatch(/^\[Desktop Entry\][\s\S]*^Exec=/m);
    // The command on the user's PATH runs the installed copy, with no node on PATH.
    const help = spawnSync(path.join(home, '.local/bin/ecpa-card-bridge'), ['--help'], { env: { HOME: home, PATH: '' }, encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('unlock');
    const removed = spawnSync('/bin/sh', [path.join(dest, 'uninstall.sh')], { env, encoding: 'utf8' });
    expect(removed.status, removed.stderr).toBe(0);
    for (const f of [dest, unit, desktop, path.join(home, '.local/bin/ecpa-card-bridge')]) expect(fs.existsSync(f), f).toBe(false);
  });

  it('the .deb installs the same bridge under /opt, on PATH, started at every desktop login', () => {
    const file = path.join(root, 'bridge.deb');
    fs.writeFileSync(file, deb);
    const control = execFileSync('dpkg-deb', ['--field', file, 'Package', 'Version', 'Architecture', 'Depends']).toString();
    expect(control).toContain('Package: ecpa-card-bridge');
    expect(control).toContain(`Version: ${BRIDGE_VERSION}`);
    expect(control).toContain('Architecture: amd64');
    expect(control).not.toMatch(/nodejs/);
    const x = path.join(root, 'deb');
    execFileSync('dpkg-deb', ['-x', file, x]);
    expect(fs.readFileSync(path.join(x, 'etc/xdg/autostart/ecpa-card-bridge.desktop'), 'utf8')).toContain('Exec=/opt/ecpa-card-bridge/ecpa-card-bridge');
    expect(fs.readFileSync(path.join(x, 'usr/bin/ecpa-card-bridge'), 'utf8')).toContain('/opt/ecpa-card-bridge/ecpa-card-bridge');
    const help = spawnSync(path.join(x, 'opt/ecpa-card-bridge/ecpa-card-bridge'), ['--help'], { env: { HOME: root, PATH: '' }, encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
  });
});
