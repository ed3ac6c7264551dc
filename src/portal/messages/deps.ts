import type { PlatformDeps } from '../../platform/deps';

/** What 網頁訊息, 通訊錄, 群組設定 and 簽名檔設定 are built from; src/services.ts wires it. */
export type MessagesDeps = Pick<PlatformDeps, 'db' | 'config' | 'clock' | 'audit' | 'mail' | 'uploads'>;
