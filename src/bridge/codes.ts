/**
 * Result codes of the HiPKI local sign server protocol (中華電信 跨平台網頁元件), as the
 * portal's pages and other Taiwanese portals read them. The values are those of 中華電信's errorcode.js as government client scripts copy it
 * (MajorErrorReason / MinorErrorReason); the names are ours.
 */
import { BRIDGE_VERSION } from '../platform/pki/bridgeVersion';

export const RET = {
  OK: 0,
  /** 未輸入待簽訊息: MakeSignature without a tbs. */
  NO_TBS: 0x76000003,
  /** 未插入IC卡: no card in any reader (no token, or BRIDGE_CARDS excludes them all). */
  NO_CARD: 0x76000006,
  /** 檔案過大: a request or tbsPackage over the size limit. */
  TOO_LARGE: 0x7600000a,
  /** JSON格式錯誤: the tbsPackage (or the request body) is not JSON. */
  JSON_ERROR: 0x7600000b,
  /** 參數錯誤: a field of the tbsPackage or the request is missing or invalid (hashAlgorithm MD5, tbsEncoding …). */
  BAD_REQUEST: 0x7600000c,
  /** 不支援的方法: an unknown func, or a path / method the bridge does not serve. */
  NOT_SUPPORTED: 0x7600000e,
  /**
   * 禁止存取的網域: a portal challenge (ecpa-login / ecpa-bind / ecpa-sign) whose origin= line
   * names another site than the one asking (a challenge relayed by another site).
   */
  CHALLENGE_ORIGIN: 0x7600000f,
  /** 在未授權的網站執行元件: the web site is not one of the configured portal origins (clients: 「非信任網站」). */
  ORIGIN_NOT_ALLOWED: 0x76000031,
  /** 未輸入PIN碼: MakeSignature or /decrypt without a PIN. */
  NO_PIN: 0x76000998,
  /** 使用者已取消動作: the user cancelled (closed the popup or the card picker). */
  CANCELLED: 0x76000999,
  /** 無可用讀卡機: the PKCS#11 module is missing or has no slots. */
  NO_READER: 0x76100003,
  /** IC卡登入失敗: card login failed; last_error tells why (LAST_ERROR). */
  LOGIN_FAILED: 0x76100006,
  /** 找不到指定憑證: /decrypt: no certificate on the cards is a recipient of the data file. */
  NO_RECIPIENT: 0x7610000c,
  /** 簽章型別錯誤: signatureType other than PKCS1 / PKCS7. */
  SIGNATURE_TYPE: 0x76300002,
  /** 簽章執行錯誤: the card operation failed for another reason (last_error = the CKR code). */
  CARD_ERROR: 0x76300004,
  /** 解密DER錯誤: /decrypt: the data file is not a CMS EnvelopedData. */
  DECRYPT_MALFORMED: 0x76400001,
  /** 解密型態錯誤: /decrypt: a format or algorithm this bridge does not open. */
  DECRYPT_UNSUPPORTED: 0x76400002,
  /** 解密錯誤: /decrypt: the card unwrapped no usable key or the content does not decrypt (last_error = the CKR code when the card refused). */
  DECRYPT_FAILED: 0x76400003,
  /** 憑證尚未生效. */
  CERT_NOT_YET_VALID: 0x76500001,
  /** 憑證已逾期. */
  CERT_EXPIRED: 0x76500002,
  /** Base64解碼錯誤: tbsEncoding "base64" with a tbs that is not base64. */
  BASE64_DECODE: 0x76600002,
} as const;

/**
 * last_error values with RET.LOGIN_FAILED. The tries-left values are 0x80000001 / 0x80000002
 * as the signed 32-bit integers the component writes in its JSON (clients compare with
 * -2147483647 / -2147483646).
 */
export const LAST_ERROR = {
  NONE: 0,
  WRONG_PIN: 0xa0,
  PIN_LEN_RANGE: 0xa2,
  LOCKED: 0xa4,
  ONE_TRY_LEFT: 0x80000001 | 0,
  TWO_TRIES_LEFT: 0x80000002 | 0,
} as const;

/** Consecutive wrong PINs that lock a card. */
export const MAX_PIN_TRIES = 3;

/** Longest PIN passed to a card (PKCS#11 modules refuse longer ones with CKR_PIN_LEN_RANGE). */
export const MAX_PIN_LENGTH = 64;

/** The version, in the 1.3.4.NNNNNN form HiPKI clients and IT update scripts compare (one constant, shared with the portal's download). */
export const SERVER_VERSION = BRIDGE_VERSION;

/** Plain-words messages (zh-TW) for logs, the CLI and JSON `message` fields. */
export const RET_MESSAGES: Record<number, string> = {
  [RET.OK]: '成功',
  [RET.NO_TBS]: '未輸入待簽訊息',
  [RET.TOO_LARGE]: '傳入的資料過大',
  [RET.JSON_ERROR]: '傳入的資料不是 JSON 格式',
  [RET.BAD_REQUEST]: '傳入的參數錯誤',
  [RET.SIGNATURE_TYPE]: '不支援的簽章型別',
  [RET.BASE64_DECODE]: '待簽資料不是正確的 Base64 編碼',
  [RET.DECRYPT_MALFORMED]: '檔案不是加密資料檔（CMS EnvelopedData）',
  [RET.DECRYPT_UNSUPPORTED]: '憑證元件不支援此檔案的格式或演算法',
  [RET.NO_CARD]: '讀卡機中沒有憑證卡片',
  [RET.ORIGIN_NOT_ALLOWED]: '此網站未被允許使用憑證元件',
  [RET.CHALLENGE_ORIGIN]: '此登入驗證資料屬於其他網站，已拒絕簽章',
  [RET.NOT_SUPPORTED]: '憑證元件不支援此功能',
  [RET.NO_RECIPIENT]: '此檔案不是加密給這張卡片的憑證，無法解密',
  [RET.DECRYPT_FAILED]: '檔案無法解密，可能已損毀',
  [RET.NO_PIN]: '未輸入憑證密碼（Pin Code）',
  [RET.CANCELLED]: '使用者已取消',
  [RET.NO_READER]: '找不到讀卡機',
  [RET.LOGIN_FAILED]: '憑證卡片登入失敗',
  [RET.CARD_ERROR]: '憑證卡片簽章或解密失敗',
  [RET.CERT_NOT_YET_VALID]: '憑證尚未生效',
  [RET.CERT_EXPIRED]: '憑證已過期',
};

/** 0x-notation; a negative (signed 32-bit) code as its unsigned value. */
export const hex = (n: number) => `0x${(n < 0 ? n >>> 0 : n).toString(16).toUpperCase()}`;
