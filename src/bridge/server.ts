/**
 * 人事服務網憑證元件 (the smart-card bridge), on the user's PC:
 *
 *   npm run bridge                                   listen on http://127.0.0.1:61161
 *   npm run bridge -- unlock --card <label|serial> --so-pin <SO PIN> [--new-pin <PIN>]
 *
 * Configuration from the environment: see src/bridge/config.ts.
 */
import { createBridge } from './app';
import { loadBridgeConfig } from './config';
import { unlockCard } from './unlock';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const USAGE = `用法：
  npm run bridge                      啟動憑證元件（http://127.0.0.1:61161）
  npm run bridge -- unlock --card <卡片標籤或序號> --so-pin <SO PIN> [--new-pin <新密碼>]
                                      以 SO PIN（PUK）解鎖連續 3 次密碼錯誤而鎖定的卡片`;

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
