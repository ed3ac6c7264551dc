/**
 * 人事服務網憑證元件 (the smart-card bridge), on the user's PC:
 *
 *   npm run bridge                                   listen on http://127.0.0.1:61161
 *   npm run bridge -- unlock --card <label|serial> --so-pin <SO PIN> [--new-pin <PIN>]
 *   npm run bridge -- decrypt --in <file> --out <file|-> [--card <label|serial>] [--pin <PIN>]
 *       (PIN also from BRIDGE_PIN, or asked on the terminal without echo)
 *
 * Configuration from the environment: see src/bridge/config.ts.
 */
import { createBridge } from './app';
import { loadBridgeConfig } from './config';
import { hex, RET, RET_MESSAGES } from './codes';
import { decryptFile, promptPin } from './decryptFile';
import { unlockCard } from './unlock';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const USAGE = `用法：
  npm run bridge                      啟動憑證元件（http://127.0.0.1:61161）
  npm run bridge -- unlock --card <卡片標籤或序號> --so-pin <SO PIN> [--new-pin <新密碼>]
                                      以 SO PIN（PUK）解鎖連續 3 次密碼錯誤而鎖定的卡片
  npm run bridge -- decrypt --in <加密檔> --out <輸出檔|-> [--card <卡片標籤或序號>] [--pin <密碼>]
                                      解密程式：以憑證卡片解開人事雲端服務平台交付的資料檔
                                      （CMS EnvelopedData，DER 或 PEM）；未指定卡片時使用
                                      檔案收件者的卡片；密碼也可由環境變數 BRIDGE_PIN 提供，
                                      或在終端機上輸入（不顯示）；--out - 輸出到標準輸出

環境變數：PKCS11_MODULE、SOFTHSM2_CONF、BRIDGE_STATE_FILE（密碼錯誤次數，與元件共用）、
BRIDGE_CARDS、BRIDGE_ALLOWED_ORIGINS、BRIDGE_PORT`;

async function main(): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const config = loadBridgeConfig();
  if (args[0] === 'unlock') {
    const card = opt('--card');
    const soPin = opt('--so-pin') ?? process.env.BRIDGE_SO_PIN;
    if (!card || !soPin) {
      console.error(USAGE);
      return 2;
    }
    const result = unlockCard(config, { card, soPin, newPin: opt('--new-pin') });
    (result.ok ? console.log : console.error)(result.message);
    return result.ok ? 0 : 1;
  }
  if (args[0] === 'decrypt') {
    const input = opt('--in');
    const out = opt('--out');
    const known = new Set(['--in', '--out', '--card', '--pin']);
    const rest = args.slice(1);
    const bad = rest.some((a, i) => (i % 2 === 0 ? !known.has(a) : a === undefined)) || rest.length % 2 !== 0;
    if (!input || !out || bad) {
      console.error(USAGE);
      return 2;
    }
    let pin = opt('--pin') ?? process.env.BRIDGE_PIN;
    if (pin === undefined || pin === '') {
      const typed = await promptPin();
      if (typed === null) {
        console.error(`解密失敗：${RET_MESSAGES[RET.CANCELLED]}（ret_code ${hex(RET.CANCELLED)}）`);
        return 1;
      }
      pin = typed ?? undefined;
    }
    const result = decryptFile(config, { in: input, out, card: opt('--card'), pin });
    (result.ok ? (out === '-' ? console.error : console.log) : console.error)(result.message);
    return result.ok ? 0 : 1;
  }
  if (args.length) {
    console.error(USAGE);
    return 2;
  }
  const bridge = createBridge(config);
  const { origin } = await bridge.listen();
  console.log(`人事服務網憑證元件 listening on ${origin}`);
  console.log(`  PKCS#11 module: ${config.modulePath}${config.softhsmConf ? ` (SOFTHSM2_CONF=${config.softhsmConf})` : ''}`);
  console.log(`  allowed portal origins: ${config.allowedOrigins.join(', ')}`);
  if (config.cards) console.log(`  cards in the reader: ${config.cards.join(', ')}`);
  const stop = () => {
    void bridge.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
