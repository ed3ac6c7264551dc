import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type request from 'supertest';
import { expect } from 'vitest';

export type Agent = ReturnType<typeof request.agent>;

/** A client address of its own, for the per-IP rate limits (the app trusts loopback proxies). */
export function freshIp(): string {
  const b = crypto.randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]! % 250 + 1}`;
}

/** The signed-in session rows of an account. */
export async function sessionsOf(db: Knex, accountId: number): Promise<{ sid: string; sess: Record<string, unknown>; expire: Date }[]> {
  return db('session').whereRaw("(sess->'passport'->'user'->>'accountId')::int = ?", [accountId]).select('sid', 'sess', 'expire');
}

/** Rewrites fields of an account's sessions (createdAt / lastSeenAt / expire) to simulate time passing. */
export async function patchSessions(db: Knex, accountId: number, patch: { createdAt?: number; lastSeenAt?: number; expire?: Date }) {
  const fields: Record<string, number> = {};
  if (patch.createdAt !== undefined) fields.createdAt = patch.createdAt;
  if (patch.lastSeenAt !== undefined) fields.lastSeenAt = patch.lastSeenAt;
  const n = await db('session')
    .whereRaw("(sess->'passport'->'user'->>'accountId')::int = ?", [accountId])
    .update({
      sess: db.raw('(sess::jsonb || ?::jsonb)::json', [JSON.stringify(fields)]),
      ...(patch.expire ? { expire: patch.expire } : {}),
    });
  expect(n).toBeGreaterThan(0);
}

/** An urlencoded body as raw bytes, for what a browser would never send. */
export function rawForm(...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}

/** A rendered zh-TW page that is not a server error. */
export function expectZhPage(res: { status: number; text: string; headers: Record<string, string> }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/text\/html/);
  expect(res.text).toContain('<html lang="zh-Hant">');
  expect(res.text).not.toContain('系統發生問題');
  expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
}

/** The error summary's messages on a re-rendered form. */
export function formErrors(html: string): string[] {
  const box = /<div class="error-summary"[\s\S]*?<\/ul>/.exec(html)?.[0] ?? '';
  return [...box.matchAll(/<li><a href="#[^"]*">([^<]*)<\/a><\/li>/g)].map((m) => m[1]!);
}

/** The value a text input was re-rendered with (HTML-escaped as in the page). */
export function inputValue(html: string, name: string): string | null {
  const m = new RegExp(`<input id="${name}" name="${name}"[^>]*?value="([^"]*)"`).exec(html);
  return m ? m[1]! : null;
}

/** A long text in characters, for "over the column size". */
export const long = (n: number, ch = '字') => ch.repeat(n);

/** Posts bytes as they are, labelled as a form (superagent would re-encode a Buffer). */
export function postRaw(agent: Agent, url: string, body: Buffer | string, contentType = 'application/x-www-form-urlencoded') {
  return agent
    .post(url)
    .set('content-type', contentType)
    .serialize((x: unknown) => x as string)
    .send(body as unknown as string);
}

/** The header's 網頁訊息 unread count, or null when there is no badge. */
export const unreadBadge = (html: string) => /id="unread-messages"[^>]*>網頁訊息(?: <span class="badge">(\d+))?/.exec(html)?.[1] ?? null;

/** The number at the end of a redirect's location (the new record's id). */
export const idOf = (res: { headers: Record<string, string> }) => Number(/(\d+)$/.exec(res.headers.location ?? '')![1]);
