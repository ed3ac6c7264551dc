/**
 * The version of the card bridge (人事服務網憑證元件) this portal ships, in the
 * `1.3.4.NNNNNN` form of the HiPKI local sign server: the bridge answers it on
 * `GET http://127.0.0.1:61161/` (`version:…`, as IT update scripts read it), the
 * download is built with it, and 環境檢測 compares a bridge's answer with it.
 * Raise the last part with every change to the bridge a user must install.
 */
export const BRIDGE_VERSION = '1.3.4.103400';

/** Compares two dotted versions numerically: < 0 when a is older than b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
