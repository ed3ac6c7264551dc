/**
 * Result codes of the HiPKI local sign server protocol (中華電信 跨平台網頁元件), as the
 * portal's pages and other Taiwanese portals read them.
 */
export const RET = {
  OK: 0,
  /** Malformed, oversized or invalid request / tbsPackage (參數錯誤). */
  BAD_REQUEST: 0x76000001,
  /** No card in any reader (no token, or BRIDGE_CARDS excludes them all). */
  NO_CARD: 0x76000006,
  /** The requesting web site is not one of the configured portal origins. */
  ORIGIN_NOT_ALLOWED: 0x7600000f,
  /** Function or option not supported by this bridge (also: a data file's format or algorithm). */
  NOT_SUPPORTED: 0x76000031,
  /**
   * /decrypt, bridge-specific (not HiPKI): the data file is not encrypted to the card's
   * certificate (no RecipientInfo with its issuer and serial number).
   */
  NO_RECIPIENT: 0x76000032,
  /**
   * /decrypt, bridge-specific (not HiPKI): the card unwrapped no usable key or the content
   * does not decrypt (damaged file); last_error = the CKR code when the card refused.
   */
  DECRYPT_FAILED: 0x76000033,
  /** MakeSignature without a PIN. */
  NO_PIN: 0x76000998,
  /** The user cancelled (closed the popup or the card picker). */
  CANCELLED: 0x76000999,
  /** No reader: the PKCS#11 module is missing or has no slots. */
  NO_READER: 0x76100003,
  /** Card login failed; last_error tells why (LAST_ERROR). */
  LOGIN_FAILED: 0x76100006,
  /** The card operation failed for another reason (last_error = the CKR code). */
  CARD_ERROR: 0x76100007,
  /** Certificate not yet valid. */
  CERT_NOT_YET_VALID: 0x76500001,
  /** Certificate expired. */
  CERT_EXPIRED: 0x76500002,
} as const;

/** last_error values with RET.LOGIN_FAILED. */
export const LAST_ERROR = {
  NONE: 0,
  WRONG_PIN: 0xa0,
  LOCKED: 0xa4,
  ONE_TRY_LEFT: 0x80000001,
  TWO_TRIES_LEFT: 0x80000002,
} as const;

/** Consecutive wrong PINs that lock a card. */
export const MAX_PIN_TRIES = 3;

export const SERVER_VERSION = '1.3.4.0-ecpa';

/** Plain-words messages (zh-TW) for logs, the CLI and JSON `message` fields. */
export const RET_MESSAGES: Record<number, string> = {
  [RET.OK]: '成功',
  [RET.BAD_REQUEST]: '傳入的資料格式錯誤',
  [RET.NO_CARD]: '讀卡機中沒有憑證卡片',
  [RET.ORIGIN_NOT_ALLOWED]: '此網站未被允許使用憑證元件',
  [RET.NOT_SUPPORTED]: '憑證元件不支援此功能',
  [RET.NO_RECIPIENT]: '此檔案不是加密給這張卡片的憑證，無法解密',
  [RET.DECRYPT_FAILED]: '檔案無法解密，可能已損毀',
  [RET.NO_PIN]: '未輸入憑證密碼（Pin Code）',
  [RET.CANCELLED]: '使用者已取消',
  [RET.NO_READER]: '找不到讀卡機',
  [RET.LOGIN_FAILED]: '憑證卡片登入失敗',
  [RET.CARD_ERROR]: '憑證卡片操作失敗',
  [RET.CERT_NOT_YET_VALID]: '憑證尚未生效',
  [RET.CERT_EXPIRED]: '憑證已過期',
};

export const hex = (n: number) => `0x${n.toString(16).toUpperCase()}`;
