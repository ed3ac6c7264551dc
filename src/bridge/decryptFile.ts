/**
 * 解密程式: `npm run bridge -- decrypt --in FILE --out FILE [--card label|serial] [--pin PIN]`
 * opens a delivered data file (CMS EnvelopedData) with the card, under the same PIN
 * counter as the running bridge (BRIDGE_STATE_FILE).
 */
import fs from 'node:fs';
import path from 'node:path';
import { hex, RET, RET_MESSAGES } from './codes';
import type { BridgeConfig } from './config';
import { BridgeService } from './service';

export interface DecryptFileOptions {
  in: string;
  /** Output file, or '-' for standard output. */
  out: string;
  /** Token label or serial; default: the card the file is encrypted to. */
  card?: string;
  pin?: string;
}

export interface DecryptFileResult {
  ok: boolean;
  retCode: number;
  lastError: number | string;
  message: string;
  bytes?: number;
  cardSN?: string;
  tokenLabel?: string;
}

/** Largest input file read (the CLI has no HTTP limit, but the content is held in memory). */
export const MAX_CLI_FILE_BYTES = 1024 * 1024 * 1024;

/** Writes `data` to `file` through a temporary file (no half-written output), owner-only. */
function writeAtomically(file: string, data: Buffer): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function decryptFile(config: BridgeConfig, opts: DecryptFileOptions): DecryptFileResult {
  let data: Buffer;
  try {
    const size = fs.statSync(opts.in).size;
    if (size > MAX_CLI_FILE_BYTES) return { ok: false, retCode: RET.BAD_REQUEST, lastError: 0, message: `檔案 ${opts.in} 太大` };
    data = fs.readFileSync(opts.in);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, retCode: RET.BAD_REQUEST, lastError: 0, message: code === 'ENOENT' ? `找不到檔案 ${opts.in}` : `無法讀取檔案 ${opts.in}：${e instanceof Error ? e.message : String(e)}` };
  }
  const service = new BridgeService(config);
  let result;
  try {
    // cardSN matches a token serial or label alike.
    result = service.decrypt({ pin: opts.pin, data, cardSN: opts.card || undefined });
  } finally {
    service.close();
  }
  const who = result.tokenLabel ? `卡片 ${result.tokenLabel}（${result.cardSN}）` : '';
  if (result.ret_code !== RET.OK || !result.plaintext) {
    const codes = `ret_code ${hex(result.ret_code)}${result.last_error ? `，last_error ${typeof result.last_error === 'number' ? hex(result.last_error) : result.last_error}` : ''}`;
    return {
      ok: false,
      retCode: result.ret_code,
      lastError: result.last_error,
      message: `解密失敗：${result.message ?? RET_MESSAGES[result.ret_code] ?? '未知錯誤'}${who ? `，${who}` : ''}（${codes}）`,
      cardSN: result.cardSN,
      tokenLabel: result.tokenLabel,
    };
  }
  const plaintext = result.plaintext;
  try {
    if (opts.out === '-') process.stdout.write(plaintext);
    else writeAtomically(opts.out, plaintext);
  } catch (e) {
    return { ok: false, retCode: RET.OK, lastError: 0, message: `無法寫入 ${opts.out}：${e instanceof Error ? e.message : String(e)}` };
  } finally {
    if (opts.out !== '-') plaintext.fill(0);
  }
  return {
    ok: true,
    retCode: RET.OK,
    lastError: 0,
    bytes: plaintext.length,
    cardSN: result.cardSN,
    tokenLabel: result.tokenLabel,
    message: `已用${who}解密 ${plaintext.length} 位元組${opts.out === '-' ? '' : `，寫入 ${opts.out}`}`,
  };
}

/**
 * Asks for the PIN on the terminal without echo. Resolves undefined when there is no
 * terminal, null when the user cancels (Ctrl-C).
 */
export function promptPin(prompt = '請輸入憑證密碼（PIN）：'): Promise<string | null | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY || !process.stderr.isTTY) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let pin = '';
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    const done = (value: string | null) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(pin);
        if (ch === '\u0003') return done(null);
        if (ch === '\u001b') break; // arrow and function keys: ignored
        if (ch === '\u007f' || ch === '\b') pin = pin.slice(0, -1);
        else if (ch >= ' ') pin += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
