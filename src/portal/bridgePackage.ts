/**
 * The card bridge (人事服務網憑證元件) as a civil servant installs it on a Linux PC, with
 * neither Node nor a compiler there:
 *
 *   ecpa-card-bridge/
 *     runtime/node               the Node runtime (the one building the package)
 *     app/bridge.mjs             the bridge compiled to one JavaScript file (esbuild)
 *     app/public/                the popup's script and style sheet
 *     app/node_modules/pkcs11js  the PKCS#11 addon, built (build/Release/pkcs11.node)
 *     ecpa-card-bridge           the launcher (reads bridge.conf, then ~/.config/ecpa-card-bridge/bridge.conf)
 *     bridge.conf                this portal's origin and the default PKCS#11 module
 *     install.sh / uninstall.sh  per-user install under ~/.local/share, started at login
 *                                (systemd --user unit, or XDG autostart where there is no user systemd)
 *     README.txt, VERSION
 *
 * `buildBridgePackages` writes the .tar.gz and, where dpkg-deb exists, a .deb that installs
 * the same tree under /opt with an XDG autostart entry for every desktop user. Built by
 * `npm run bridge:package` and, on first request, by the portal's download route (cached on
 * disk, keyed by the bridge's sources, the runtime and the portal origins).
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { projectRoot } from '../platform/database';
import { BRIDGE_VERSION } from '../platform/pki/bridgeVersion';

export { BRIDGE_VERSION };

export const PACKAGE_NAME = 'ecpa-card-bridge';
const ARCH = process.arch === 'x64' ? 'x64' : process.arch;
/** OpenSC's PKCS#11 module on Debian/Ubuntu (自然人憑證 and 機關憑證 cards). */
const OPENSC_MODULE = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const DEB_ARCH = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;

export interface BuiltPackage {
  /** Absolute path of the file. */
  file: string;
  /** The file name offered for download. */
  name: string;
  size: number;
  sha256: string;
}
export interface BridgePackages {
  version: string;
  archive: BuiltPackage;
  deb: BuiltPackage | null;
}

/** Files whose change means a new package. */
const SOURCES = ['src/bridge', 'src/platform/pki', 'node_modules/pkcs11js/package.json'];

function sourceHash(origins: string[]): string {
  const h = crypto.createHash('sha256');
  h.update(`${BRIDGE_VERSION}\n${process.version}\n${process.execPath}\n${origins.join(',')}\n`);
  for (const entry of SOURCES) {
    const abs = path.join(projectRoot, entry);
    const files = fs.statSync(abs).isDirectory() ? (fs.readdirSync(abs, { recursive: true }) as string[]).map((f) => path.join(abs, f)) : [abs];
    for (const f of files.sort()) {
      if (!fs.statSync(f).isFile()) continue;
      h.update(path.relative(projectRoot, f));
      h.update(fs.readFileSync(f));
    }
  }
  return h.digest('hex');
}

const LAUNCHER = `#!/bin/sh
# 人事服務網憑證元件 (ecpa-card-bridge): starts the bridge with its own Node runtime.
# Settings: bridge.conf beside this file, then ~/.config/ecpa-card-bridge/bridge.conf.
case "$0" in */*) HERE=\${0%/*} ;; *) HERE=. ;; esac
HERE=$(cd "$HERE" && pwd) || exit 1
set -a
. "$HERE/bridge.conf"
USER_CONF="\${XDG_CONFIG_HOME:-$HOME/.config}/ecpa-card-bridge/bridge.conf"
[ -f "$USER_CONF" ] && . "$USER_CONF"
: "\${BRIDGE_STATE_FILE:=\${XDG_STATE_HOME:-$HOME/.local/state}/ecpa-card-bridge/bridge-state.json}"
set +a
exec "$HERE/runtime/node" "$HERE/app/bridge.mjs" "$@"
`;

const conf = (origins: string[]) => `# 人事服務網憑證元件 設定（本檔由下載時的網站產生；個人設定請寫在 ~/.config/ecpa-card-bridge/bridge.conf）
# 允許使用本元件的網站（以逗號分隔）
BRIDGE_ALLOWED_ORIGINS=\${BRIDGE_ALLOWED_ORIGINS:-${origins.join(',')}}
# 讀卡機的 PKCS#11 模組：OpenSC，或卡片廠商提供之模組（.so）的完整路徑
PKCS11_MODULE=\${PKCS11_MODULE:-${OPENSC_MODULE}}
`;

const DESKTOP = (exec: string) => `[Desktop Entry]
Type=Application
Name=人事服務網憑證元件
Name[en]=ecpa card bridge
Comment=HiPKI 相容的本機憑證元件（http://127.0.0.1:61161）
Exec=${exec}
Terminal=false
NoDisplay=true
X-GNOME-Autostart-enabled=true
`;

const INSTALL = `#!/bin/sh
# 安裝人事服務網憑證元件到本使用者的家目錄，並設定登入時自動啟動（不需系統管理員權限）。
set -e
case "$0" in */*) SRC=\${0%/*} ;; *) SRC=. ;; esac
SRC=$(cd "$SRC" && pwd)
DEST="\${XDG_DATA_HOME:-$HOME/.local/share}/ecpa-card-bridge"
CONF_DIR="\${XDG_CONFIG_HOME:-$HOME/.config}"
BIN="$HOME/.local/bin"
if [ "$SRC" != "$DEST" ]; then
  rm -rf "$DEST.new"
  mkdir -p "$DEST.new"
  cp -R "$SRC/." "$DEST.new/"
  rm -rf "$DEST"
  mv "$DEST.new" "$DEST"
fi
chmod 755 "$DEST/ecpa-card-bridge" "$DEST/runtime/node" "$DEST/install.sh" "$DEST/uninstall.sh"
mkdir -p "$BIN" "$CONF_DIR/ecpa-card-bridge"
printf '#!/bin/sh\\nexec "%s/ecpa-card-bridge" "$@"\\n' "$DEST" > "$BIN/ecpa-card-bridge"
chmod 755 "$BIN/ecpa-card-bridge"
[ -f "$CONF_DIR/ecpa-card-bridge/bridge.conf" ] || printf '# 個人設定，例如：\\n# PKCS11_MODULE=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\\n' > "$CONF_DIR/ecpa-card-bridge/bridge.conf"
# Started at login: a systemd user unit where the user has a systemd instance, else XDG autostart.
if command -v systemctl >/dev/null 2>&1 && systemctl --user show-environment >/dev/null 2>&1; then
  mkdir -p "$CONF_DIR/systemd/user"
  cat > "$CONF_DIR/systemd/user/ecpa-card-bridge.service" <<UNIT
[Unit]
Description=人事服務網憑證元件 (HiPKI compatible, http://127.0.0.1:61161)

[Service]
ExecStart=$DEST/ecpa-card-bridge
Restart=on-failure

[Install]
WantedBy=default.target
UNIT
  systemctl --user daemon-reload
  systemctl --user enable --now ecpa-card-bridge.service
  echo "已安裝並啟動（systemd 使用者服務 ecpa-card-bridge.service）。"
else
  mkdir -p "$CONF_DIR/autostart"
  cat > "$CONF_DIR/autostart/ecpa-card-bridge.desktop" <<DESKTOP
${DESKTOP('$DEST/ecpa-card-bridge').trimEnd()}
DESKTOP
  echo "已安裝；下次登入時自動啟動。現在啟動：$DEST/ecpa-card-bridge"
fi
echo "安裝位置：$DEST（版本 $(cat "$DEST/VERSION")）"
`;

const UNINSTALL = `#!/bin/sh
# 移除人事服務網憑證元件（個人設定 ~/.config/ecpa-card-bridge 保留）。
DEST="\${XDG_DATA_HOME:-$HOME/.local/share}/ecpa-card-bridge"
CONF_DIR="\${XDG_CONFIG_HOME:-$HOME/.config}"
if [ -f "$CONF_DIR/systemd/user/ecpa-card-bridge.service" ]; then
  systemctl --user disable --now ecpa-card-bridge.service >/dev/null 2>&1 || true
  rm -f "$CONF_DIR/systemd/user/ecpa-card-bridge.service"
  systemctl --user daemon-reload >/dev/null 2>&1 || true
fi
rm -f "$CONF_DIR/autostart/ecpa-card-bridge.desktop" "$HOME/.local/bin/ecpa-card-bridge"
rm -rf "$DEST"
echo "已移除人事服務網憑證元件。"
`;

const README = (origins: string[]) => `人事服務網憑證元件 (ecpa-card-bridge) ${BRIDGE_VERSION} — Linux ${ARCH}

本元件以 HiPKI 跨平台網頁元件相同的方式，在本機 http://127.0.0.1:61161 提供憑證登入、簽章
及解密，並只回應：${origins.join('、')}。已安裝中華電信 HiPKI 跨平台網頁元件者不需再安裝本元件。
本元件自帶執行環境，不需安裝 Node.js 或編譯器。

安裝（不需系統管理員權限）：
  1. 安裝讀卡機服務及 PKCS#11 模組：sudo apt-get install pcscd opensc
  2. 解壓縮後執行：sh ecpa-card-bridge/install.sh
     安裝到 ~/.local/share/ecpa-card-bridge，並設定登入時自動啟動（systemd 使用者服務，
     或桌面環境的自動啟動）。
使用其他 PKCS#11 模組：在 ~/.config/ecpa-card-bridge/bridge.conf 寫入
  PKCS11_MODULE=模組（.so）的完整路徑
  後重新登入（或執行 systemctl --user restart ecpa-card-bridge）。
鎖卡時以 SO PIN（PUK）解鎖：ecpa-card-bridge unlock --card <卡片標籤或序號> --so-pin <SO PIN>
解密程式（人事雲端服務平台交付的加密資料檔）：ecpa-card-bridge decrypt --in 資料檔.p7m --out 解密後檔案
移除：sh ~/.local/share/ecpa-card-bridge/uninstall.sh
`;

function write(file: string, text: string | Buffer, mode = 0o644) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
}

async function stageTree(root: string, origins: string[]): Promise<void> {
  const { build } = await import('esbuild');
  const app = path.join(root, 'app');
  await build({
    entryPoints: [path.join(projectRoot, 'src/bridge/server.ts')],
    outfile: path.join(app, 'bridge.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    external: ['pkcs11js'],
    // CommonJS dependencies (express …) call require: give the bundle one.
    banner: { js: "import { createRequire as __ecpaCreateRequire } from 'node:module'; const require = __ecpaCreateRequire(import.meta.url);" },
    legalComments: 'none',
    logLevel: 'silent',
  });
  fs.cpSync(path.join(projectRoot, 'src/bridge/public'), path.join(app, 'public'), { recursive: true });
  const addon = path.join(projectRoot, 'node_modules/pkcs11js');
  const addonOut = path.join(app, 'node_modules/pkcs11js');
  for (const f of ['package.json', 'index.js', 'LICENSE', 'build/Release/pkcs11.node']) fs.cpSync(path.join(addon, f), path.join(addonOut, f));
  fs.mkdirSync(path.join(root, 'runtime'), { recursive: true });
  fs.copyFileSync(process.execPath, path.join(root, 'runtime/node'));
  fs.chmodSync(path.join(root, 'runtime/node'), 0o755);
  write(path.join(root, 'ecpa-card-bridge'), LAUNCHER, 0o755);
  write(path.join(root, 'bridge.conf'), conf(origins));
  write(path.join(root, 'install.sh'), INSTALL, 0o755);
  write(path.join(root, 'uninstall.sh'), UNINSTALL, 0o755);
  write(path.join(root, 'README.txt'), README(origins));
  write(path.join(root, 'VERSION'), `${BRIDGE_VERSION}\n`);
}

async function digestOf(file: string): Promise<{ size: number; sha256: string }> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return { size: fs.statSync(file).size, sha256: h.digest('hex') };
}

function hasDpkgDeb(): boolean {
  try {
    execFileSync('dpkg-deb', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function buildDeb(stage: string, tree: string, outFile: string) {
  const root = path.join(stage, 'deb');
  fs.cpSync(tree, path.join(root, 'opt', PACKAGE_NAME), { recursive: true });
  // Per-user files are the user's business; the .deb starts the bridge for every desktop user.
  fs.rmSync(path.join(root, 'opt', PACKAGE_NAME, 'install.sh'));
  fs.rmSync(path.join(root, 'opt', PACKAGE_NAME, 'uninstall.sh'));
  write(path.join(root, 'usr/bin', PACKAGE_NAME), `#!/bin/sh\nexec /opt/${PACKAGE_NAME}/ecpa-card-bridge "$@"\n`, 0o755);
  write(path.join(root, 'etc/xdg/autostart', `${PACKAGE_NAME}.desktop`), DESKTOP(`/opt/${PACKAGE_NAME}/ecpa-card-bridge`));
  const installedKb = Math.ceil(Number(execFileSync('du', ['-sk', root]).toString().split(/\s/)[0]));
  write(
    path.join(root, 'DEBIAN/control'),
    [
      `Package: ${PACKAGE_NAME}`,
      `Version: ${BRIDGE_VERSION}`,
      `Architecture: ${DEB_ARCH}`,
      'Maintainer: 人事服務網 <service@ecpa.example.gov.tw>',
      `Installed-Size: ${installedKb}`,
      'Depends: libc6, libstdc++6',
      'Recommends: pcscd, opensc',
      'Section: utils',
      'Priority: optional',
      'Description: 人事服務網憑證元件 (HiPKI compatible local sign server)',
      ' The smart-card bridge of the personnel portal on http://127.0.0.1:61161,',
      ' speaking the HiPKI local sign server protocol over any PKCS#11 module.',
      ' It carries its own Node runtime and starts at every desktop login.',
      '',
    ].join('\n'),
  );
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, outFile], { stdio: 'pipe' });
}

/**
 * Builds the packages into `<baseDir>/<key>/` (kept there: a second call with the same
 * sources, runtime and origins returns them without building again).
 */
function cached(baseDir: string, key: string, opts: { deb?: boolean }): BridgePackages | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(baseDir, key.slice(0, 16), 'manifest.json'), 'utf8')) as BridgePackages & { key: string };
    if (m.key === key && fs.existsSync(m.archive.file) && (!m.deb || fs.existsSync(m.deb.file)) && (opts.deb === false || m.deb || !hasDpkgDeb())) {
      return { version: m.version, archive: m.archive, deb: m.deb };
    }
  } catch {
    // not built yet
  }
  return null;
}

/** The packages already built for these sources and origins in `baseDir`, without building. */
export function findBridgePackages(baseDir: string, origins: string[]): BridgePackages | null {
  return cached(baseDir, sourceHash(origins), {});
}

export async function buildBridgePackages(baseDir: string, origins: string[], opts: { deb?: boolean } = {}): Promise<BridgePackages> {
  const key = sourceHash(origins);
  // One folder per sources + runtime + origins: builds for different portals never mix.
  const outDir = path.join(baseDir, key.slice(0, 16));
  const manifestFile = path.join(outDir, 'manifest.json');
  const found = cached(baseDir, key, opts);
  if (found) return found;
  fs.mkdirSync(outDir, { recursive: true });
  const stage = fs.mkdtempSync(path.join(outDir, '.stage-'));
  try {
    const tree = path.join(stage, PACKAGE_NAME);
    await stageTree(tree, origins);
    const archiveName = `${PACKAGE_NAME}-${BRIDGE_VERSION}-linux-${ARCH}.tar.gz`;
    const archiveTmp = path.join(stage, archiveName);
    await tar.create({ gzip: true, cwd: stage, portable: true, file: archiveTmp }, [PACKAGE_NAME]);
    const archiveFile = path.join(outDir, archiveName);
    fs.renameSync(archiveTmp, archiveFile);
    const archive: BuiltPackage = { file: archiveFile, name: archiveName, ...(await digestOf(archiveFile)) };
    let deb: BuiltPackage | null = null;
    if (opts.deb !== false && hasDpkgDeb()) {
      const debName = `${PACKAGE_NAME}_${BRIDGE_VERSION}_${DEB_ARCH}.deb`;
      const debTmp = path.join(stage, debName);
      buildDeb(stage, tree, debTmp);
      const debFile = path.join(outDir, debName);
      fs.renameSync(debTmp, debFile);
      deb = { file: debFile, name: debName, ...(await digestOf(debFile)) };
    }
    const built: BridgePackages = { version: BRIDGE_VERSION, archive, deb };
    fs.writeFileSync(manifestFile, `${JSON.stringify({ ...built, key }, null, 2)}\n`);
    return built;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** Where the portal keeps the packages it built (git-ignored). */
export const PACKAGE_DIR = path.join(projectRoot, 'dist', 'bridge');

let building: Promise<BridgePackages> | null = null;
let ready: BridgePackages | null = null;

/** The packages for this portal, built once per process on first use (then from the disk cache). */
export function bridgePackages(origins: string[]): Promise<BridgePackages> {
  if (!building) {
    building = buildBridgePackages(PACKAGE_DIR, origins).then(
      (p) => (ready = p),
      (e: unknown) => {
        building = null;
        throw e;
      },
    );
  }
  return building;
}

/**
 * The packages if already built (in this process, or earlier by `npm run bridge:package` or
 * another instance): the download page then shows their size and SHA-256. Never builds.
 */
export function builtBridgePackages(origins: string[]): BridgePackages | null {
  if (!ready) ready = findBridgePackages(PACKAGE_DIR, origins);
  return ready;
}
