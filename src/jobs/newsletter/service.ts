import crypto from 'node:crypto';
import type { JobsDeps } from '../deps';
import type { RequestContext } from '../../platform/identity/context';
import { NotFoundError } from '../../platform/errors';
import { rocShort, taipeiToday } from '../../platform/dates';
import { parseForm } from '../../platform/validation';
import { COUNTY_NAME } from '../codes';
import type { NewsletterRepository } from './repository';
import { subscribeSchema, unsubscribeSchema } from './schemas';

/** The e-newsletter: subscribing, confirming, cancelling and the daily digest. */
/** Subscriptions served by one job of the digest queue. */
export const DIGEST_BATCH = 100;
const DIGEST_QUEUE = 'jobs.digest.batch';

export function createNewsletterService(core: Pick<JobsDeps, 'db' | 'config' | 'clock' | 'audit' | 'mail' | 'scheduler'>, repo: NewsletterRepository) {
  const { audit, db } = core;
  // The e-newsletter's links carry a token that is stored nowhere: the subscription's id and
  // an HMAC of (purpose, id, address) under a key derived from the session secret, so the mail
  // log, the database and a copy of either hold no working link.
  const linkKey = crypto.createHmac('sha256', core.config.sessionSecret).update('ecpa jobs subscription links').digest();
  const linkMac = (purpose: 'confirm' | 'unsubscribe', id: number, email: string) =>
    crypto.createHmac('sha256', linkKey).update(`${purpose}\n${id}\n${email.toLowerCase()}`).digest('base64url');
  function linkToken(purpose: 'confirm' | 'unsubscribe', s: { id: number; email: string }): string {
    return `${s.id}.${linkMac(purpose, s.id, s.email)}`;
  }
  /** The subscription a link token names, when its MAC holds; null otherwise. */
  async function subscriptionOf(purpose: 'confirm' | 'unsubscribe', token: string): Promise<number | null> {
    const m = /^(\d{1,10})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return null;
    const sub = await repo.byId(Number(m[1]));
    if (!sub) return null;
    const expected = Buffer.from(linkMac(purpose, sub.id, sub.email));
    const given = Buffer.from(m[2]!);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? sub.id : null;
  }

  /**
   * One batch of the digest: new public vacancies matching each of these subscriptions, one
   * mail each, each subscription marked served with its mail in one transaction. Run again
   * (a retry), a subscription already served finds nothing new and gets no second mail.
   */
  async function sendDigestBatch(data: { ids: number[]; now: string; origin: string }) {
    const now = new Date(data.now);
    const t = taipeiToday(now);
    let sent = 0;
    const subs = await repo.confirmedAmong(data.ids);
    for (const s of subs) {
      const rows = await repo.newVacancies(s, t, now);
      await db.transaction(async (trx) => {
        await repo.digested(s.id, now, trx);
        if (!rows.length) return;
        const lines = rows.map((v) => `・${v.orgName} ${v.title}（${v.workPlaces.map((c) => COUNTY_NAME.get(c)).join('、')}，${rocShort(v.dateFrom)}～${rocShort(v.dateTo)}）\n  ${data.origin}/jobs/view?work_id=${v.workId}`);
        await core.mail.queue(
          {
            to: s.email,
            subject: `事求人機關徵才系統 職缺電子報（${rocShort(t)}，${rows.length} 筆新職缺）`,
            text: `您好：\n\n以下是符合您訂閱條件的新職缺：\n\n${lines.join('\n')}\n\n取消訂閱：${data.origin}/jobs/unsubscribe/confirm?token={{token}}\n\n行政院人事行政總處`,
            secrets: { token: linkToken('unsubscribe', s) },
          },
          trx,
        );
        sent++;
      });
    }
    return { subscriptions: subs.length, sent };
  }
  core.scheduler.define<{ ids: number[]; now: string; origin: string }>(DIGEST_QUEUE, { retryLimit: 3, retryDelay: 60, expireInSeconds: 900 }, (job) => sendDigestBatch(job.data));

  return {
    async subscribe(body: unknown, origin: string, ctx: RequestContext) {
      const input = parseForm(subscribeSchema, body);
      await db.transaction(async (trx) => {
        const id = await repo.insert(input, trx);
        const token = linkToken('confirm', { id, email: input.email });
        await audit.record({ actor: null, action: 'jobs.subscribe', target: { type: 'email', id: input.email }, ip: ctx.ip, requestId: ctx.requestId }, trx);
        return core.mail.queue(
          {
            to: input.email,
            subject: '事求人機關徵才系統 電子報訂閱確認',
            text: `您好：\n\n有人以此電子郵件訂閱「事求人機關徵才系統」職缺電子報。請開啟下列連結完成訂閱確認：\n${origin}/jobs/subscribe/confirm?token={{token}}\n\n若非您本人申請，請忽略本信。\n\n行政院人事行政總處`,
            secrets: { token },
          },
          trx,
        );
      });
      return input.email;
    },
    async confirmSubscription(token: string) {
      const id = await subscriptionOf('confirm', token);
      const n = id === null ? 0 : await repo.confirm(id, core.clock());
      if (!n) throw new NotFoundError('確認連結無效或已失效');
    },
    async requestUnsubscribe(body: unknown, origin: string, ctx: RequestContext) {
      const { email } = parseForm(unsubscribeSchema, body);
      const subs = await repo.activeOf(email);
      // The same answer whether or not the address is subscribed.
      for (const s of subs) {
        await core.mail.queue({
          to: s.email,
          subject: '事求人機關徵才系統 電子報取消確認',
          text: `您好：\n\n請開啟下列連結取消「事求人機關徵才系統」職缺電子報：\n${origin}/jobs/unsubscribe/confirm?token={{token}}\n\n若非您本人申請，請忽略本信。\n\n行政院人事行政總處`,
          secrets: { token: linkToken('unsubscribe', s) },
        });
      }
      await audit.record({ actor: null, action: 'jobs.unsubscribe.request', target: { type: 'email', id: email }, ip: ctx.ip, requestId: ctx.requestId, details: { found: subs.length } });
      return email;
    },
    async cancelSubscription(token: string) {
      const id = await subscriptionOf('unsubscribe', token);
      const n = id === null ? 0 : await repo.cancel(id, core.clock());
      if (!n) throw new NotFoundError('取消連結無效或已取消');
    },
    /**
     * The daily digest: the confirmed subscriptions are split into batches of DIGEST_BATCH,
     * each one job of the `jobs.digest.batch` queue (all put on it in one transaction), so
     * workers on every instance share them and a failed batch is retried alone.
     */
    async sendDigests(now: Date, origin: string) {
      const ids = await repo.confirmedIds();
      const batches: number[][] = [];
      for (let i = 0; i < ids.length; i += DIGEST_BATCH) batches.push(ids.slice(i, i + DIGEST_BATCH));
      await db.transaction(async (trx) => {
        for (const batch of batches) await core.scheduler.send(DIGEST_QUEUE, { ids: batch, now: now.toISOString(), origin }, { trx });
      });
      return { subscriptions: ids.length, batches: batches.length };
    },
    sendDigestBatch,
  };
}

export type NewsletterService = ReturnType<typeof createNewsletterService>;
