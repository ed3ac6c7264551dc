import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { projectRoot } from '../platform/database';

/** The files the card bridge needs on a user's PC: its own code and the platform's PKI helpers it imports. */
const FILES = ['src/bridge', 'src/platform/pki/profiles.ts', 'src/platform/pki/softhsm.ts', 'src/platform/pki/der.ts'];

const PACKAGE_JSON = {
  name: 'ecpa-card-bridge',
  version: '1.3.4',
  private: true,
  description: '人事服務網憑證元件 — the smart-card bridge on http://127.0.0.1:61161',
  type: 'module',
  scripts: { start: 'tsx src/bridge/server.ts', unlock: 'tsx src/bridge/server.ts unlock', decrypt: 'tsx src/bridge/server.ts decrypt' },
  dependencies: { express: '^5.1.0', 'node-forge': '^1.3.1', pkcs11js: '^2.1.6', tsx: '^4.20.0', zod: '^4.1.0' },
  allowScripts: { pkcs11js: true, esbuild: true },
};

const README = `人事服務網憑證元件 (ecpa-card-bridge)

1. 安裝 Node.js 20 以上版本。
2. 安裝讀卡機驅動程式及 PKCS#11 模組（例如 OpenSC：sudo apt-get install opensc）。
3. 在本資料夾執行：npm install
4. 啟動：PKCS11_MODULE=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so BRIDGE_ALLOWED_ORIGINS=https://ecpa.example.gov.tw npm start
   元件只在 http://127.0.0.1:61161 提供服務，並只回應 BRIDGE_ALLOWED_ORIGINS 所列網站。
5. 連續 3 次密碼錯誤鎖卡時，以 SO PIN（PUK）解鎖：npm run unlock -- --card <卡片標籤或序號> --so-pin <SO PIN>
6. 解密程式（開啟人事雲端服務平台交付的加密資料檔）：npm run decrypt -- --in 資料檔.p7m --out 解密後檔案
`;

let cached: Buffer | null = null;

/** The bridge as a .tar.gz (ecpa-card-bridge/…), built once from the running code. */
export async function bridgeTarball(): Promise<Buffer> {
  if (cached) return cached;
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-bridge-'));
  try {
    const dir = path.join(stage, 'ecpa-card-bridge');
    for (const f of FILES) fs.cpSync(path.join(projectRoot, f), path.join(dir, f), { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(PACKAGE_JSON, null, 2)}\n`);
    fs.writeFileSync(path.join(dir, 'README.txt'), README);
    const chunks: Buffer[] = [];
    const stream = tar.create({ gzip: true, cwd: stage, portable: true }, ['ecpa-card-bridge']);
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    cached = Buffer.concat(chunks);
    return cached;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}
