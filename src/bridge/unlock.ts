import type { BridgeConfig } from './config';
import { BridgeService } from './service';

export interface UnlockResult {
  ok: boolean;
  message: string;
  label?: string;
  serial?: string;
}

/**
 * The unlock route for a card locked after 3 wrong PINs: verifies the SO PIN (PUK) on the
 * token with C_Login(CKU_SO) and resets the bridge's wrong-PIN counter; with `newPin` it
 * also sets a new user PIN (C_InitPIN). A wrong SO PIN leaves the card locked.
 */
export function unlockCard(config: BridgeConfig, opts: { card: string; soPin: string; newPin?: string }): UnlockResult {
  const service = new BridgeService(config);
  try {
    return service.unlock(opts.card, opts.soPin, opts.newPin);
  } finally {
    service.close();
  }
}
