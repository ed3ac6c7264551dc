/** Rules of an account every area shares: the custom account name and temporary passwords. */
export const USERNAME_RULE = '自訂帳號須為 4 至 30 個英文字母、數字或 . _ - ，並以英文字母開頭';

export const TEMP_PASSWORD_HOURS = 72;

/** A certificate whose agency is not granted the area it signed in to (card login, cloud). */
export const AGENCY_NOT_AUTHORIZED = '此憑證尚未分配權限，請洽系統管理員';

/** A card's signature over a text the portal issued (the HiPKI bridge's answer). */
export interface SignedResponse {
  tbs: string;
  signature: string;
  certb64: string;
}
