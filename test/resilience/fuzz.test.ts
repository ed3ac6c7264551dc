import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createDb, type Db } from '../../src/platform/database';
import { createServices, type Services } from '../../src/services';
import { createApp } from '../../src/app';
import { rocShort, taipeiToday } from '../../src/platform/dates';
import { SECTION_KEYS } from '../../src/mydata/sections';
import { SCOPE_NOTICE, TEXT } from '../../src/pics/chat/text';
import { createChatRepository } from '../../src/pics/chat/repository';
import { CONTENT_KINDS } from '../../src/pics/content/contentKinds';
import { DEMO_ACCOUNTS } from '../../seeds/demo';
import { vacancyForm } from '../routes/jobs-helpers';
import { importFeed } from '../../src/jobs/opendata/importer';
import { feed } from '../fixtures/jobs/legacyFeed';
import { routeTable, type RouteEntry } from '../support/routeTable';
import { formFields, fuzzBodies, type FormFields } from '../support/fuzz';
import { Client, startDatabase, type TestDatabase } from './harness';

/** Entries of one content kind (src/platform/content): its rows of content_item. */
const ofKind = (s: { db: Db }, kind: string) => s.db('content_item').where({ kind });

// Every form of the app, 1,000 malformed bodies each by default (about 8 minutes on 2 cores;
// FUZZ_PER_FORM=10000 for the full run), sent by a user who may use it, with a valid CSRF
// token. A form with an id in its path is sent to a real row its user may act on (found in
// the demo data, or made through the app's own routes first: FORMS below), so its bodies meet
// its fields, which are read from the form itself on the page that shows it for that row; a
// route with params and no entry in FORMS fails. No response may be a 500, and no table may
// change: each table's rows are hashed before and after each form. A form without fields
// (delete, take, retire, favorite, …) acts whatever the body is: it declares the tables it may
// change, and changes no other. Two of those issue a certificate or a password each time
// (0.1–0.4 s of work whatever the body), and get at most 300 bodies.
const PER_FORM = Number(process.env.FUZZ_PER_FORM ?? 1_000);
// Only the routes whose path contains this (to look into one area again).
const ONLY = process.env.FUZZ_ONLY ?? '';
const CONCURRENCY = 16;
// Tables that record the traffic itself rather than what a form saves.
const TRAFFIC_TABLES = new Set(['session', 'rate_limit_hit', 'audit_event', 'audit_refusal_window', 'login_event', 'login_challenge', 'mail_outbox', 'knex_migrations', 'knex_migrations_lock']);
const NTUNHS = 'A096C0000Q';
const CARD = 'agency-ntunhs';

type Persona = { account: string } | { card: string };
type Fields = Record<string, string | string[]>;
type Page = string | ((c: Client) => Promise<string>);

/** One row a form is fuzzed on: the values of its path's params, and where its form is shown. */
interface Target {
  params: Record<string, string>;
  /** The page (path, or a function giving its HTML) with the form, when not next to the URL. */
  page?: Page;
}

interface FormSpec {
  /** The rows a route with params is fuzzed on, each found or made before that route is. */
  targets?: (s: Setup) => Promise<Target[]>;
  /** A form without fields acts whatever the body: the tables it may change. */
  acts?: string[];
  /** Posted by a page's script (fetch), not by a form: no fields to read. */
  script?: true;
  /** A form of one button that its page shows only at times (service hours): no fields to read. */
  button?: true;
  /** The page with the form, for a route without params. */
  page?: string;
  /** At most this many bodies: each request does costly work whatever the body is. */
  max?: number;
  /** Who posts it, when not the area's user (personaFor). */
  persona?: Persona;
  /** Each body from a client address of its own (the app trusts its loopback proxy): past a per-address limit. */
  addressPerBody?: true;
}

interface Setup {
  db: Db;
  services: Services;
  today: string;
  /** A new signed-in client. */
  as(who: Persona): Promise<Client>;
  /** Posts a form as a browser would (fields may repeat), with the client's CSRF token. */
  post(c: Client, path: string, fields: Fields, opts?: { multipart?: boolean; file?: { field: string; name: string; type: string; data: string } }): Promise<{ status: number; location: string | null; text: string }>;
  /** A draft of the agency's 申請服務 filled up to 步驟六, made once per kind. */
  draft(kind: 'file' | 'ws'): Promise<string>;
}

const one = (params: Record<string, string>, page?: Page): Target[] => [{ params, page }];

/** The first row of a query, or a failure that says what was looked for. */
async function first<T>(what: string, q: PromiseLike<T | undefined>): Promise<T> {
  const row = await q;
  if (!row) throw new Error(`no ${what} to fuzz on`);
  return row;
}

const agencyOf = (s: Setup, code = NTUNHS) => first<{ id: number }>(`agency ${code}`, s.db('agency').where({ code }).first('id'));
const chatOfWang = (s: Setup) => s.db('pics_chat as c').join('account as a', 'a.id', 'c.asker_account_id').where('a.username', 'wang.xiaoming').whereNot('c.state', 'ended').first('c.id');

const wangOf = (s: Setup) => first<{ id: number }>('wang.xiaoming', s.db('person as p').join('account as a', 'a.person_id', 'p.id').where('a.username', 'wang.xiaoming').first('p.id'));
/** A message wang.xiaoming sends himself through 撰寫訊息: in his inbox and his 寄件備份. */
async function messageToWang(s: Setup): Promise<number> {
  const wang = await wangOf(s);
  const c = await s.as({ account: 'wang.xiaoming' });
  const to = created('a message', await s.post(c, '/my/messages/new', { to: String(wang.id), subject: '測試訊息', body: '內容' }, { multipart: true }));
  return Number(/(\d+)$/.exec(to)![1]);
}
/** A colleague in wang.xiaoming's 通訊錄 (added through the form when missing). */
async function contactOfWang(s: Setup): Promise<number> {
  const wang = await wangOf(s);
  const other = await first<{ id: number }>('a colleague of wang', s.db('person').whereNot('id', wang.id).where({ status: '在職' }).orderBy('id').first('id'));
  const c = await s.as({ account: 'wang.xiaoming' });
  if (!(await s.db('message_contact').where({ owner_person_id: wang.id, person_id: other.id }).first())) {
    created('a contact', await s.post(c, '/my/contacts', { personId: String(other.id) }));
  }
  return other.id;
}
/** A card wang.xiaoming has sent through 電子賀卡 for a later day (waiting in card_schedule): its id. */
async function scheduledCardOfWang(s: Setup): Promise<number> {
  const wang = await wangOf(s);
  const to = await contactOfWang(s);
  const c = await s.as({ account: 'wang.xiaoming' });
  created('a card', await s.post(c, `/my/ecards?_csrf=${encodeURIComponent(c.csrf)}`, { design: 'birthday', greeting: '生日快樂', to: String(to), sendOn: '2099-12-31', action: 'send' }, { multipart: true }));
  return (await first<{ id: number }>('a scheduled card', s.db('card_schedule').where({ sender_person_id: wang.id }).whereNull('sent_at').orderBy('id', 'desc').first('id'))).id;
}
/** A group of wang.xiaoming's, made through 群組設定. */
async function groupOfWang(s: Setup, name: string): Promise<number> {
  const c = await s.as({ account: 'wang.xiaoming' });
  return Number(/(\d+)$/.exec(created('a group', await s.post(c, '/my/groups', { name })))![1]);
}

/** A 303 to where the app put the new row, or a failure with the page's first error. */
function created(what: string, r: { status: number; location: string | null; text: string }): string {
  if (r.status !== 303 || !r.location) throw new Error(`making ${what}: ${r.status} ${/class="error-message"[^>]*>([\s\S]{0,200})/.exec(r.text)?.[1] ?? ''}`);
  return r.location;
}

/** A draft questionnaire of two questions made through 問卷管理: its id. */
async function fuzzQuestionnaire(s: Setup, title: string): Promise<string> {
  const c = await s.as({ account: 'portal.admin' });
  const at = created('a questionnaire', await s.post(c, '/admin/questionnaires', { title, intro: '', openFrom: rocShort(s.today), openTo: '2099-12-31' }));
  for (const text of ['第一題', '第二題']) created('a question', await s.post(c, `${at}/questions`, { kind: 'single', text, required: 'on', options: '是\n否' }));
  return at.split('/').pop()!;
}
const firstQuestion = async (s: Setup, id: string) =>
  String((await first<{ id: number }>('question', s.db('questionnaire_question').where({ questionnaire_id: Number(id) }).orderBy('position').first('id'))).id);

/** A draft poll made through 投票管理: its id. */
async function fuzzPoll(s: Setup, title: string): Promise<string> {
  const c = await s.as({ account: 'portal.admin' });
  return created('a poll', await s.post(c, '/admin/polls', { title, description: '', openFrom: rocShort(s.today), openTo: '2099-12-31', options: '甲\n乙' })).split('/').pop()!;
}

/**
 * Every form that takes params, every form that acts whatever its body is, and every form
 * that is reached some other way: where to fuzz it and what it may change. A route with
 * params that is not here fails the test.
 */
const FORMS: Record<string, FormSpec> = {
  // --- 帳號 ---
  // Ten a quarter-hour per client address.
  '/forgot-password': { addressPerBody: true },
  '/login/certificate/challenge': { script: true },
  // Shown after a first login with a card bound to no account yet; the session holds the card.
  '/login/certificate/activate': { persona: { card: 'first-login' } },
  '/my/cards/challenge': { script: true },
  '/my/password-reset/:accountId': {
    // Another person of hr.chief's agency; the form is on the answer to the lookup.
    targets: async (s) => {
      const a = await first<{ id: number; national_id: string }>(
        'account of hr.chief’s agency',
        s.db('account as a').join('person as p', 'p.id', 'a.person_id').join('agency as g', 'g.id', 'p.agency_id')
          .where({ 'g.code': NTUNHS, 'p.status': '在職' }).whereNotNull('a.email').whereNotIn('p.national_id', DEMO_ACCOUNTS.map((d) => d.nationalId))
          .orderBy('a.id').first('a.id', 'p.national_id'),
      );
      return one({ accountId: String(a.id) }, async (c) => (await s.post(c, '/my/password-reset/lookup', { query: a.national_id })).text);
    },
    // A new temporary password each time (argon2 each time).
    acts: ['account'],
    max: 300,
  },

  // --- 入口網 ---
  '/polls/:id': {
    targets: async (s) => one({ id: String((await first<{ id: number }>('open poll', s.db('poll').where('open_from', '<=', s.today).where('open_to', '>=', s.today).orderBy('id').first('id'))).id) }),
  },
  '/my/apps/:code/favorite': {
    targets: async (s) => one({ code: (await first<{ code: string }>('app without a role', s.db('app_catalog').where({ active: true }).whereNull('required_role').orderBy('sort_order').first('code'))).code }, '/my/apps'),
    acts: ['favorite_app'],
  },
  '/my/questionnaires/:id': {
    targets: async (s) => one({ id: String((await first<{ id: number }>('open questionnaire', s.db('questionnaire').where('open_from', '<=', s.today).where('open_to', '>=', s.today).orderBy('id').first('id'))).id) }),
  },
  '/admin/announcements/:id': {
    targets: async (s) => one({ id: String((await first<{ id: number }>('announcement', ofKind(s, 'portal.announcements').orderBy('id').first('id'))).id) }),
  },
  '/admin/announcements/:id/delete': {
    // One of its own, so the edit form keeps a row.
    targets: async (s) => {
      const c = await s.as({ account: 'portal.admin' });
      created('an announcement', await s.post(c, '/admin/announcements', { title: '刪除用公告', category: '系統公告', body: '將被刪除。', publishOn: rocShort(s.today), unpublishOn: '' }));
      const a = await first<{ id: number }>('new announcement', ofKind(s, 'portal.announcements').where({ title: '刪除用公告' }).orderBy('id', 'desc').first('id'));
      return one({ id: String(a.id) }, '/admin/announcements');
    },
    acts: ['content_item'],
  },
  '/admin/apps/:code': {
    targets: async (s) => one({ code: (await first<{ code: string }>('app', s.db('app_catalog').orderBy('sort_order').first('code'))).code }),
  },
  '/admin/apps/:code/delete': {
    targets: async (s) => {
      const c = await s.as({ account: 'portal.admin' });
      created('an app', await s.post(c, '/admin/apps', { code: 'ZFUZZ', name: '刪除用系統', category: 'X', url: '/', description: '', requiredRole: '', sortOrder: '999', active: 'on' }));
      return one({ code: 'ZFUZZ' }, '/admin/apps');
    },
    acts: ['app_catalog', 'favorite_app', 'app_catalog_agency'],
  },
  // 郵件寄送紀錄's 重新寄送: a dead letter (written here). The fuzzed app has no SMTP, so the
  // page shows no 重新寄送 button and the route refuses: the form is one button, no fields.
  '/admin/outbox/:id/resend': {
    button: true,
    targets: async (s) => {
      const [m] = await s.db('mail_outbox').insert({ to_address: 'fuzz-dead@example.gov.tw', subject: '寄送失敗', body_text: '內容', attempts: 10, error: 'refused', dead_at: new Date() }).returning('id');
      return one({ id: String(m.id) }, '/admin/outbox');
    },
    acts: ['mail_outbox'],
  },
  // 權限管理 and 機關授權 (portal.admin): a demo person's roles, and an agency's areas.
  '/admin/access/people/:accountId/grants': {
    targets: async (s) => {
      const a = await first<{ id: number }>('wang.xiaoming', s.db('account').where({ username: 'wang.xiaoming' }).first('id'));
      return one({ accountId: String(a.id) }, `/admin/access/people/${a.id}`);
    },
  },
  '/admin/access/people/:accountId/grants/:grantId/revoke': {
    targets: async (s) => {
      const g = await first<{ id: number; account_id: number }>(
        'hr.staff’s grant',
        s.db('role_grant as r').join('account as a', 'a.id', 'r.account_id').where({ 'a.username': 'hr.staff' }).orderBy('r.id').first('r.id', 'r.account_id'),
      );
      return one({ accountId: String(g.account_id), grantId: String(g.id) }, `/admin/access/people/${g.account_id}`);
    },
  },
  '/admin/access/agencies/:code/areas': {
    targets: async () => one({ code: NTUNHS }, `/admin/access/agencies/${NTUNHS}`),
  },
  // --- 問卷管理 and 投票管理: each form on a questionnaire or poll of its own ---
  '/admin/questionnaires/:id': {
    targets: async (s) => one({ id: await fuzzQuestionnaire(s, '設定用問卷') }),
  },
  '/admin/questionnaires/:id/questions': {
    targets: async (s) => one({ id: await fuzzQuestionnaire(s, '新增題目用問卷') }),
  },
  '/admin/questionnaires/:id/questions/:questionId': {
    targets: async (s) => {
      const id = await fuzzQuestionnaire(s, '修改題目用問卷');
      return one({ id, questionId: await firstQuestion(s, id) });
    },
  },
  '/admin/questionnaires/:id/questions/:questionId/move': {
    targets: async (s) => {
      const id = await fuzzQuestionnaire(s, '排序用問卷');
      return one({ id, questionId: await firstQuestion(s, id) }, `/admin/questionnaires/${id}`);
    },
  },
  '/admin/questionnaires/:id/questions/:questionId/delete': {
    targets: async (s) => {
      const id = await fuzzQuestionnaire(s, '刪除題目用問卷');
      return one({ id, questionId: await firstQuestion(s, id) }, `/admin/questionnaires/${id}`);
    },
    acts: ['questionnaire_question'],
  },
  '/admin/questionnaires/:id/publish': {
    targets: async (s) => {
      const id = await fuzzQuestionnaire(s, '發布用問卷');
      return one({ id }, `/admin/questionnaires/${id}`);
    },
    acts: ['questionnaire'],
  },
  '/admin/questionnaires/:id/close': {
    targets: async (s) => {
      const id = await fuzzQuestionnaire(s, '結束用問卷');
      created('a published questionnaire', await s.post(await s.as({ account: 'portal.admin' }), `/admin/questionnaires/${id}/publish`, {}));
      return one({ id }, `/admin/questionnaires/${id}`);
    },
    acts: ['questionnaire'],
  },
  '/admin/polls/:id': {
    targets: async (s) => one({ id: await fuzzPoll(s, '修改用投票') }),
  },
  '/admin/polls/:id/open': {
    targets: async (s) => {
      const id = await fuzzPoll(s, '開放用投票');
      return one({ id }, `/admin/polls/${id}`);
    },
    acts: ['poll'],
  },
  '/admin/polls/:id/close': {
    targets: async (s) => {
      const id = await fuzzPoll(s, '結束用投票');
      created('an open poll', await s.post(await s.as({ account: 'portal.admin' }), `/admin/polls/${id}/open`, {}));
      return one({ id }, `/admin/polls/${id}`);
    },
    acts: ['poll'],
  },

  // --- PICS 客服工作台 ---
  ...Object.fromEntries(
    ['take', 'assign', 'reply', 'note', 'close', 'reopen'].map((action): [string, FormSpec] => [
      `/pics/desk/tickets/:id/${action}`,
      {
        // An open ticket (one someone else handles, to take it); a closed one to reopen.
        targets: async (s) => {
          const q = s.db('pics_ticket as t').where('t.status', action === 'reopen' ? 'closed' : 'open');
          if (action === 'take') q.whereNotExists(s.db('account as a').whereRaw('a.id = t.assignee_account_id').where('a.username', 'cs.lead'));
          return one({ id: String((await first<{ id: number }>(`ticket to ${action}`, q.orderBy('t.id').first('t.id'))).id) });
        },
        ...(action === 'take' ? { acts: ['pics_ticket', 'pics_ticket_event'] } : {}),
      },
    ]),
  ),

  // The entry form is shown once a caller is found in the personnel master.
  '/pics/desk/hotline': { page: '/pics/desk/hotline?nationalId=A123456789' },

  // --- PICS 內容管理 (the supervisor, cs.lead) ---
  ...Object.fromEntries(
    CONTENT_KINDS.flatMap((kind): [string, FormSpec][] => [
      [`/pics/desk/content/${kind.slug}/:id`, { targets: async (s) => one({ id: String((await first<{ id: number }>(kind.id, ofKind(s, kind.id).orderBy('id').first('id'))).id) }) }],
      [
        `/pics/desk/content/${kind.slug}/:id/delete`,
        {
          // One of its own, made through the kind's form (first in its list), so the edit form keeps a row.
          targets: async (s) => {
            const today = rocShort(s.today);
            const fields = (
              {
                announcements: { title: '刪除用公告', body: '將被刪除。', publishOn: today },
                faq: { category: '測試', question: '刪除用問題', answer: '將被刪除。', sortOrder: '0' },
                downloads: { title: '刪除用檔案', description: '', url: '/', updatedOn: today },
                canned: { title: '刪除用回覆', body: '將被刪除。', sortOrder: '0' },
              } as Record<string, Fields>
            )[kind.slug];
            if (!fields) throw new Error(`no new ${kind.slug} entry to make: add its fields here`);
            const before = (await ofKind(s, kind.id).max<{ max: number | null }[]>('id as max'))[0]!.max ?? 0;
            created(`a ${kind.noun}`, await s.post(await s.as({ account: 'cs.lead' }), `/pics/desk/content/${kind.slug}`, fields));
            const row = await first<{ id: number }>(`new ${kind.slug} entry`, ofKind(s, kind.id).where('id', '>', before).first('id'));
            return one({ id: String(row.id) }, `/pics/desk/content/${kind.slug}`);
          },
          acts: ['content_item'],
        },
      ],
    ]),
  ),
  // 智慧客服: a question nothing answered, to turn into a 常見問題 (its form is on its own URL).
  '/pics/desk/assistant/:id/faq': {
    targets: async (s) => {
      await s.services.pics.assistant.ask('模糊測試用無解問題雪豹穿山甲');
      return one({ id: String((await first<{ id: number }>('unanswered question', s.db('pics_assistant_unanswered').whereNull('faq_id').orderBy('id').first('id'))).id) });
    },
  },
  '/pics/desk/calendar/:day/delete': {
    // A holiday of its own on a weekday two years ahead, added through the calendar's form.
    targets: async (s) => {
      const year = Number(s.today.slice(0, 4)) + 2;
      let day = `${year}-03-02`;
      while ([0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay()) || (await s.db('pics_calendar_day').where({ day }).first('day'))) {
        day = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      }
      created('a holiday', await s.post(await s.as({ account: 'cs.lead' }), '/pics/desk/calendar', { day, kind: 'holiday', name: '刪除用假日' }));
      return one({ day }, `/pics/desk/calendar?year=${year}`);
    },
    acts: ['pics_calendar_day'],
  },

  // --- PICS 文字客服 ---
  // Starts a chat in service hours (the page shows its button only then), else says it is closed.
  '/pics/chat': { button: true, acts: ['pics_chat', 'pics_chat_message'] },
  ...Object.fromEntries(
    ['choice', 'messages', 'images', 'end'].map((action): [string, FormSpec] => [
      `/pics/chat/:id/${action}`,
      {
        // 王小明's open chat: started through the app in service hours, else made as the app makes one out of them.
        targets: async (s) => {
          let chat = await chatOfWang(s);
          if (!chat) {
            await s.post(await s.as({ account: 'wang.xiaoming' }), '/pics/chat', {});
            chat = await chatOfWang(s);
          }
          if (!chat) {
            const repo = createChatRepository(s.db);
            const wang = await first<{ id: number; person_id: number }>('wang.xiaoming', s.db('account').where({ username: 'wang.xiaoming' }).first('id', 'person_id'));
            const name = (await first<{ name: string }>('王小明', s.db('person').where({ id: wang.person_id }).first('name'))).name;
            const id = await s.db.transaction(async (trx) => {
              const now = new Date();
              const chatId = await repo.createChat(trx, { askerAccountId: wang.id, askerPersonId: wang.person_id, askerName: name, state: 'menu', now });
              await repo.addMessage(trx, chatId, { sender: 'system', senderAccountId: null, senderName: '系統提示', kind: 'menu', body: `${TEXT.busy}\n${SCOPE_NOTICE}` }, now);
              return chatId;
            });
            chat = { id };
          }
          return one({ id: String(chat.id) });
        },
        ...(action === 'end' ? { acts: ['pics_chat', 'pics_chat_message'] } : {}),
      },
    ]),
  ),
  '/pics/agent/chat/heartbeat': { script: true, acts: ['pics_chat_agent'] },
  '/pics/agent/chat/accept': { acts: ['pics_chat', 'pics_chat_message', 'pics_chat_agent'] },
  ...Object.fromEntries(
    ['ticket', 'mail'].map((action): [string, FormSpec] => [
      `/pics/agent/chat/:id/${action}`,
      {
        // An ended chat without a ticket: any agent may turn it into one.
        targets: async (s) => one({ id: String((await first<{ id: number }>('ended chat', s.db('pics_chat').where({ state: 'ended' }).whereNull('receipt_no').orderBy('id').first('id'))).id) }),
        ...(action === 'mail' ? { acts: ['pics_chat'] } : {}),
      },
    ]),
  ),

  // --- 人事雲端服務平台 申請服務 ---
  '/cloud/apply/:draft/challenge': { script: true, targets: async (s) => one({ draft: await s.draft('file') }) },
  '/cloud/apply/:draft/step6': { targets: async (s) => one({ draft: await s.draft('file') }) },
  '/cloud/apply/:draft/step5a': { targets: async (s) => one({ draft: await s.draft('file') }) },
  '/cloud/apply/:draft/:step': {
    // Each step this route saves (步驟五A and 六 have their own), on a draft whose path has it.
    targets: async (s) => {
      const file = await s.draft('file');
      return [...['step1', 'step2', 'step3', 'step4'].map((step) => ({ params: { draft: file, step } })), { params: { draft: await s.draft('ws'), step: 'step5b' } }];
    },
  },
  '/cloud/admin/reviews/:id': {
    targets: async (s) => one({ id: String((await first<{ id: number }>('pending application', s.db('cloud_application').where({ status: 'pending' }).orderBy('id').first('id'))).id) }),
  },
  '/cloud/deliveries/:id/module': {
    targets: async (s) =>
      one({ id: String((await first<{ id: number }>('approved ws application', s.db('cloud_application').where({ kind: 'ws', status: 'approved', agency_id: (await agencyOf(s)).id }).orderBy('id').first('id'))).id) }),
    // A new client certificate each time: an RSA key and a PKCS#12 file, 0.4 s each.
    acts: ['cloud_ws_client'],
    max: 300,
  },

  // --- 人事雲端服務平台 管理 ---
  '/cloud/admin/news/:id': { targets: async (s) => one({ id: String((await first<{ id: number }>('news', ofKind(s, 'cloud.news').orderBy('id').first('id'))).id) }) },
  '/cloud/admin/news/:id/delete': {
    targets: async (s) => {
      const c = await s.as({ account: 'mocs.admin' });
      created('news', await s.post(c, '/cloud/admin/news', { title: '刪除用消息', body: '將被刪除。', publishedOn: rocShort(s.today) }));
      return one({ id: String((await first<{ id: number }>('new news', ofKind(s, 'cloud.news').where({ title: '刪除用消息' }).orderBy('id', 'desc').first('id'))).id) }, '/cloud/admin/news');
    },
    acts: ['content_item'],
  },
  '/cloud/admin/faq/:id': { targets: async (s) => one({ id: String((await first<{ id: number }>('faq', ofKind(s, 'cloud.faq').orderBy('id').first('id'))).id) }) },
  '/cloud/admin/faq/:id/delete': {
    targets: async (s) => {
      const c = await s.as({ account: 'mocs.admin' });
      created('a faq', await s.post(c, '/cloud/admin/faq', { question: '刪除用問題', answer: '將被刪除。', sortOrder: '999' }));
      return one({ id: String((await first<{ id: number }>('new faq', ofKind(s, 'cloud.faq').where({ question: '刪除用問題' }).orderBy('id', 'desc').first('id'))).id) }, '/cloud/admin/faq');
    },
    acts: ['content_item'],
  },
  '/cloud/admin/files/:id/delete': {
    targets: async (s) => {
      const c = await s.as({ account: 'mocs.admin' });
      await c.get(`${baseURL}/cloud/admin/files`);
      created('a file', await s.post(c, `/cloud/admin/files?_csrf=${encodeURIComponent(c.csrf)}`, { title: '刪除用檔案', description: '', publishedOn: rocShort(s.today) }, { multipart: true, file: { field: 'file', name: 'readme.txt', type: 'text/plain', data: '將被刪除。\n' } }));
      return one({ id: String((await first<{ id: number }>('new file', ofKind(s, 'cloud.files').where({ title: '刪除用檔案' }).orderBy('id', 'desc').first('id'))).id) }, '/cloud/admin/files');
    },
    acts: ['content_item'],
  },
  '/cloud/admin/tables/:id': { targets: async (s) => one({ id: String((await first<{ id: number }>('table', s.db('cloud_dict_table').orderBy('id').first('id'))).id) }) },
  '/cloud/admin/tables/:id/fields': { targets: async (s) => one({ id: String((await first<{ id: number }>('table', s.db('cloud_dict_table').orderBy('id').first('id'))).id) }) },
  '/cloud/admin/fields/:id': { targets: async (s) => one({ id: String((await first<{ id: number }>('field', s.db('cloud_dict_field').orderBy('id').first('id'))).id) }) },
  '/cloud/admin/fields/:id/delete': {
    // Its own: the last field of the dictionary (every column of the data tables is described, so none can be added).
    targets: async (s) => {
      const f = await first<{ id: number; table_id: number }>('field', s.db('cloud_dict_field').orderBy('id', 'desc').first('id', 'table_id'));
      return one({ id: String(f.id) }, `/cloud/admin/tables/${f.table_id}`);
    },
    acts: ['cloud_dict_field'],
  },
  '/cloud/admin/services/:id': { targets: async (s) => one({ id: String((await first<{ id: number }>('service', s.db('cloud_service').orderBy('id').first('id'))).id) }) },
  '/cloud/admin/services/:id/retire': {
    targets: async (s) => one({ id: String((await first<{ id: number }>('active service', s.db('cloud_service').where({ active: true }).orderBy('id', 'desc').first('id'))).id) }, '/cloud/admin/services'),
    acts: ['cloud_service'],
  },
  '/cloud/admin/services/:id/restore': {
    // A retired service (the one the retire form retired, or one retired through that form now).
    targets: async (s) => {
      let retired = await s.db('cloud_service').where({ active: false }).orderBy('id', 'desc').first('id');
      if (!retired) {
        const active = await first<{ id: number }>('active service', s.db('cloud_service').where({ active: true }).orderBy('id', 'desc').first('id'));
        created('a retired service', await s.post(await s.as({ account: 'mocs.admin' }), `/cloud/admin/services/${active.id}/retire`, {}));
        retired = active;
      }
      return one({ id: String(retired.id) }, '/cloud/admin/services');
    },
    acts: ['cloud_service'],
  },
  '/cloud/admin/reports/:code': {
    // An error report of the agency, sent through the platform's form when there is none.
    targets: async (s) => {
      let r = await s.db('cloud_report').orderBy('id').first('code');
      if (!r) {
        const c = await s.as({ card: CARD });
        created('a report', await s.post(c, '/cloud/reports', { reporterName: '林淑芬', phone: '02-28227101', email: 'hr@ntunhs.edu.tw', occurredOn: rocShort(s.today), occurredTime: '', applicationNumber: '', serviceCode: '', content: '下載資料交換檔案時出現錯誤。' }));
        r = await first<{ code: string }>('new report', s.db('cloud_report').orderBy('id').first('code'));
      }
      return one({ code: r.code });
    },
  },

  // --- 事求人 ---
  '/jobs/view/:workId/apply': {
    // A current vacancy 王小明 has not applied to (not one needing consent: that one is the consent form's).
    targets: async (s) => {
      const wang = await first<{ person_id: number }>('wang.xiaoming', s.db('account').where({ username: 'wang.xiaoming' }).first('person_id'));
      const v = await first<{ work_id: number }>(
        'open vacancy',
        s.db('jobs_vacancy as v').where({ 'v.status': 'approved', 'v.needs_consent': false }).whereNull('v.deleted_at').where('v.date_from', '<=', s.today).where('v.date_to', '>=', s.today)
          .whereNotExists(s.db('jobs_application as a').whereRaw('a.vacancy_id = v.id').where('a.person_id', wang.person_id)).orderBy('v.work_id').first('v.work_id'),
      );
      return one({ workId: String(v.work_id) });
    },
  },
  '/jobs/my/applications/:id/consent': {
    // 王小明's application to a vacancy that needs consent, made through the apply form when there is none.
    targets: async (s) => {
      const wang = await first<{ person_id: number }>('wang.xiaoming', s.db('account').where({ username: 'wang.xiaoming' }).first('person_id'));
      const mine = () => s.db('jobs_application as a').join('jobs_vacancy as v', 'v.id', 'a.vacancy_id').where({ 'a.person_id': wang.person_id, 'v.needs_consent': true }).whereNull('a.consented_at').orderBy('a.id').first('a.id');
      let a = await mine();
      if (!a) {
        const v = await first<{ work_id: number }>(
          'vacancy that needs consent',
          s.db('jobs_vacancy').where({ status: 'approved', needs_consent: true }).whereNull('deleted_at').where('date_from', '<=', s.today).where('date_to', '>=', s.today).orderBy('work_id').first('work_id'),
        );
        const c = await s.as({ account: 'wang.xiaoming' });
        await c.get(`${baseURL}/jobs/view/${v.work_id}/apply`);
        created('an application', await s.post(c, `/jobs/view/${v.work_id}/apply`, { freeText: '', agree: 'on' }));
        a = await first<{ id: number }>('new application', mine());
      }
      return one({ id: String(a.id) }, '/jobs/my/applications');
    },
    acts: ['jobs_application'],
  },
  '/jobs/manage/:id/edit': {
    targets: async (s) => one({ id: String((await first<{ id: number }>('vacancy of the agency', s.db('jobs_vacancy').where({ agency_id: (await agencyOf(s)).id }).whereNull('deleted_at').orderBy('id').first('id'))).id) }),
  },
  '/jobs/manage/:id/delete': {
    targets: async (s) => {
      const c = await s.as({ card: CARD });
      const before = (await s.db('jobs_vacancy').max<{ max: number | null }[]>('id as max'))[0]!.max ?? 0;
      created('a vacancy', await s.post(c, '/jobs/manage/new', vacancyForm({ workItem: '刪除用職缺。' })));
      const v = await first<{ id: number; work_id: number }>('new vacancy', s.db('jobs_vacancy').where('id', '>', before).where({ agency_id: (await agencyOf(s)).id }).first('id', 'work_id'));
      return one({ id: String(v.id) }, `/jobs/manage?workId=${v.work_id}`);
    },
    acts: ['jobs_vacancy'],
  },
  '/jobs/review/:id': {
    targets: async (s) => one({ id: String((await first<{ id: number }>('pending vacancy', s.db('jobs_vacancy').where({ status: 'pending' }).whereNull('deleted_at').orderBy('id').first('id'))).id) }),
  },
  '/jobs/imports/agencies/:id': {
    // An agency a vacancy feed added as 「匯入」 (a feed is imported first when there is none).
    targets: async (s) => {
      const pending = () => s.db('agency').where({ origin: 'import' }).whereNull('confirmed_at').whereNull('merged_into').orderBy('id').first('id');
      if (!(await pending())) {
        const r = await importFeed(s.db, feed([{ workId: 9990001, orgName: '測試用匯入機關' }]));
        if (r.fileError || r.errors.length) throw new Error(`importing a feed: ${r.fileError ?? r.errors[0]!.reason}`);
      }
      return one({ id: String((await first<{ id: number }>('imported agency', pending())).id) });
    },
    persona: { account: 'portal.admin' },
  },
  '/jobs/review/:id/withdraw': {
    // The last published vacancy (the others' forms use the first ones); its 下架 form is on its review page.
    targets: async (s) => {
      const v = await first<{ id: number }>('published vacancy', s.db('jobs_vacancy').where({ status: 'approved' }).whereNull('deleted_at').orderBy('id', 'desc').first('id'));
      return one({ id: String(v.id) }, `/jobs/review/${v.id}`);
    },
    acts: ['jobs_vacancy'],
  },
  '/jobs/publishing/:code': {
    // An agency no other form posts as; one body in a thousand may happen to be a valid choice.
    targets: async (s) =>
      one({ code: (await first<{ code: string }>('agency with 事求人', s.db('agency as g').join('agency_area_grant as r', 'r.agency_id', 'g.id').where('r.area', 'jobs').orderBy('g.code', 'desc').first('g.code'))).code }, '/jobs/publishing'),
    acts: ['jobs_agency_setting'],
  },

  // --- 網頁訊息, 通訊錄, 群組設定, 簽名檔設定 (wang.xiaoming's own rows, made through the forms) ---
  // Empty values are valid here (no signature, no mail): the forms may save wang's settings row.
  '/my/signature': { acts: ['message_setting'] },
  '/my/messages/settings': { acts: ['message_setting'] },
  '/my/messages/notice': { persona: { account: 'hr.chief' } },
  // Its form shows only when the inbox has messages.
  '/my/messages/delete': { button: true, acts: ['message_recipient'] },
  // The add form is on each person a directory search finds.
  '/my/contacts': { page: '/my/contacts?dq=%E4%BA%BA%E4%BA%8B' },
  '/my/messages/:id/delete': {
    targets: async (s) => one({ id: String(await messageToWang(s)) }),
    acts: ['message_recipient'],
  },
  '/my/messages/sent/:id/delete': {
    targets: async (s) => {
      const id = await messageToWang(s);
      return one({ id: String(id) }, `/my/messages/sent/${id}`);
    },
    acts: ['message'],
  },
  '/my/contacts/:personId/delete': {
    targets: async (s) => one({ personId: String(await contactOfWang(s)) }, '/my/contacts'),
    acts: ['message_contact', 'message_group_member'],
  },
  '/my/groups/:id/members': {
    targets: async (s) => {
      await contactOfWang(s);
      return one({ id: String(await groupOfWang(s, '測試群組甲')) });
    },
  },
  '/my/groups/:id/members/:personId/delete': {
    targets: async (s) => {
      const personId = await contactOfWang(s);
      const id = await groupOfWang(s, '測試群組乙');
      const c = await s.as({ account: 'wang.xiaoming' });
      created('a member', await s.post(c, `/my/groups/${id}/members`, { members: String(personId) }));
      return one({ id: String(id), personId: String(personId) }, `/my/groups/${id}`);
    },
    acts: ['message_group_member'],
  },
  '/my/groups/:id/delete': {
    targets: async (s) => one({ id: String(await groupOfWang(s, '測試群組丙')) }, '/my/groups'),
    acts: ['message_group', 'message_group_member'],
  },

  // --- 電子賀卡 (wang.xiaoming's card waiting for its date, made through the form) ---
  '/my/ecards/birthday': { persona: { account: 'hr.chief' } },
  '/my/ecards/scheduled/:id/delete': {
    targets: async (s) => one({ id: String(await scheduledCardOfWang(s)) }, '/my/ecards'),
    acts: ['card_schedule'],
  },

  // --- MyData ---
  '/mydata/record/:section/correct': { targets: async () => SECTION_KEYS.map((section) => ({ params: { section } })) },
  ...Object.fromEntries(
    ['take', 'accept', 'reject'].map((action): [string, FormSpec] => [
      `/mydata/hr/corrections/:id/${action}`,
      {
        // A request of hr.chief's agency still open (only a new one can be taken).
        targets: async (s) =>
          one({
            id: String(
              (await first<{ id: number }>(
                'open correction request',
                s.db('mydata_correction').where({ agency_id: (await agencyOf(s)).id }).whereIn('status', action === 'take' ? ['submitted'] : ['submitted', 'processing'])
                  // Not hr.chief's own (four eyes: refused whatever the body).
                  .whereNot('person_id', (await first<{ person_id: number }>('hr.chief', s.db('account').where({ username: 'hr.chief' }).first('person_id'))).person_id)
                  .orderBy('id').first('id'),
              )).id,
            ),
          }),
        ...(action === 'take' ? { acts: ['mydata_correction'] } : {}),
      },
    ]),
  ),
  '/mydata/hr/documents/:id/printed': {
    // A paper document (its person has not consented to online delivery) hr.chief issues first.
    targets: async (s) => {
      const hr = await first<{ person_id: number }>('hr.chief', s.db('account').where({ username: 'hr.chief' }).first('person_id'));
      const p = await first<{ national_id: string }>(
        'person of hr.chief’s agency without online consent',
        s.db('person as p').join('agency as g', 'g.id', 'p.agency_id').where({ 'g.code': NTUNHS, 'p.status': '在職' }).whereNot('p.id', hr.person_id)
          .whereNotExists(s.db('mydata_consent_event as e').whereRaw('e.person_id = p.id')).orderBy('p.id').first('p.national_id'),
      );
      const c = await s.as({ account: 'hr.chief' });
      created('a paper document', await s.post(c, '/mydata/hr/documents', { nationalId: p.national_id, kind: 'employment_cert', rewardKind: '', reason: '', purpose: '測試用途' }));
      const d = await first<{ id: number }>('paper document', s.db('mydata_document').where({ delivery: 'paper' }).whereNull('printed_at').orderBy('id', 'desc').first('id'));
      return one({ id: String(d.id) }, '/mydata/hr/documents');
    },
    acts: ['mydata_document'],
  },
};

let database: TestDatabase;
let db: Db;
let services: Services;
let baseURL: string;
let close: () => Promise<void>;
let routes: RouteEntry[];
/** What the app logged as errors (the cause of a 500), since the last form began. */
const appErrors: string[] = [];

beforeAll(async () => {
  database = await startDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database.appUrl, PKI_DIR: database.pkiDir, UPLOAD_DIR: database.uploadDir, PUBLIC_ORIGIN: 'http://127.0.0.1', LOGIN_RATE_LIMIT_PER_15MIN: '10000000', CHALLENGE_RATE_LIMIT_PER_15MIN: '10000000',
    // The limits on anonymous writes and card activation have their own tests; here every body must meet the form.
    REFUSAL_RATE_LIMIT_PER_15MIN: '10000000', SUBSCRIBE_RATE_LIMIT_PER_15MIN: '10000000', CARD_ACTIVATION_PER_CARD_PER_HOUR: '10000000', CARD_ACTIVATION_PER_IP_PER_HOUR: '10000000' });
  const logger = pino({ level: 'error', base: { service: 'ecpa' } }, { write: (line: string) => void (appErrors.length < 20 && appErrors.push(line)) });
  db = createDb(database.appUrl, 10);
  services = createServices(db, config, logger);
  const app = createApp({ config, logger, services, databaseUrl: database.appUrl });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes = routeTable(app).filter((r) => r.method === 'POST' && !r.path.startsWith('/api/') && r.path !== '/logout');
  close = async () => {
    server.close();
    await app.close();
    await db.destroy();
  };
}, 240_000);

afterAll(async () => {
  await close?.();
  await database?.destroy();
});

/** Each table's row count and a digest of its rows (the traffic tables left out). */
async function tableDigests(): Promise<Record<string, string>> {
  const tables = ((await db('pg_tables').where({ schemaname: 'public' }).pluck('tablename')) as string[]).filter((t) => !TRAFFIC_TABLES.has(t));
  const out: Record<string, string> = {};
  await Promise.all(
    tables.map(async (t) => {
      const { rows } = await db.raw(`select count(*) as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ?? t`, [t]);
      out[t] = `${rows[0].n}:${rows[0].h}`;
    }),
  );
  return out;
}

/** Who may use a route: the demo account (or card) for its area. */
function personaFor(p: string): Persona | null {
  if (/^\/(login|forgot-password|password-reset)/.test(p)) return null;
  if (p.startsWith('/admin')) return { account: 'portal.admin' };
  if (p.startsWith('/cloud/admin')) return { account: 'mocs.admin' };
  if (p.startsWith('/cloud')) return { card: CARD };
  if (/^\/pics\/(desk|agent|admin)/.test(p) || p.startsWith('/pics/chat/agent')) return { account: 'cs.lead' };
  if (/^\/jobs\/(manage|admin)/.test(p)) return { card: CARD };
  if (p.startsWith('/jobs/review')) return { account: 'jobs.reviewer' };
  if (p.startsWith('/jobs/publishing')) return { account: 'portal.admin' };
  if (/^\/mydata\/(hr|admin)/.test(p)) return { account: 'hr.chief' };
  if (p.startsWith('/my/password-reset') || p.startsWith('/agency')) return { account: 'hr.chief' };
  return { account: 'wang.xiaoming' };
}

async function signedIn(who: Persona | null): Promise<Client> {
  const c = new Client();
  if (!who) {
    await c.get(`${baseURL}/login`);
  } else if ('account' in who) {
    await c.signIn(baseURL, who.account);
  } else {
    await c.cardSignIn(baseURL, database.pkiDir, who.card);
  }
  await c.get(`${baseURL}/my/profile`);
  return c;
}

async function post(c: Client, path: string, fields: Fields, opts: Parameters<Setup['post']>[3] = {}) {
  const headers: Record<string, string> = { cookie: c.cookieHeader(), 'x-csrf-token': c.csrf };
  let body: string | FormData;
  if (opts.multipart) {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) f.append(k, x);
    if (opts.file) f.append(opts.file.field, new Blob([opts.file.data], { type: opts.file.type }), opts.file.name);
    body = f;
  } else {
    const p = new URLSearchParams({ _csrf: c.csrf });
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
    body = p.toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(`${baseURL}${path}`, { method: 'POST', headers, body, redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

const drafts = new Map<string, Promise<string>>();
/** Steps 一 … 五 of 申請服務 through the wizard's forms, as the agency. */
async function fillDraft(kind: 'file' | 'ws'): Promise<string> {
  const c = await signedIn({ card: CARD });
  await c.get(`${baseURL}/cloud/apply`);
  const id = /^\/cloud\/apply\/([0-9a-f-]{36})\/step1$/.exec(created('a draft', await post(c, '/cloud/apply', { agree: 'yes' })))?.[1];
  if (!id) throw new Error('no draft made');
  const steps: [string, Fields][] = [
    ['step1', { contactName: '林小美', contactPhone: '02-28227101#2101', contactEmail: 'hr@ntunhs.edu.tw', periodFrom: rocShort(taipeiToday()), periodTo: rocShort(`${Number(taipeiToday().slice(0, 4)) + 1}-12-31`), purpose: '人事資料比對', legalBasis: '公務人員任用法', specificPurpose: '人事管理（002）' }],
    ['step2', { systemName: '人事管理系統', os: 'Linux', language: 'TypeScript', databaseName: 'PostgreSQL', computerName: 'hr-app-01', ipAddresses: '192.168.10.21, 10.0.0.5' }],
    ['step3', { userScopes: ['internal', 'external'] }],
    ['step4', { kind }],
    kind === 'file' ? ['step5a', { conditions: '申請一次性現職人員基本資料', services: ['SQ_PA_001', 'SQ_TA_001'] }] : ['step5b', { services: ['SQ_MA_001', 'SQ_TA_001', 'SQ_COM_01'] }],
  ];
  for (const [step, fields] of steps) {
    const to = created(`${kind} draft ${step}`, await post(c, `/cloud/apply/${id}/${step}`, { action: 'next', ...fields }));
    if (to === `/cloud/apply/${id}/${step}`) throw new Error(`${kind} draft ${step} was not saved`);
  }
  return id;
}

const setup: Setup = {
  get db() {
    return db;
  },
  get services() {
    return services;
  },
  get today() {
    return taipeiToday();
  },
  as: signedIn,
  post,
  draft(kind) {
    if (!drafts.has(kind)) drafts.set(kind, fillDraft(kind));
    return drafts.get(kind)!;
  },
};

/** The fields of the form posting to `url`: on the given page, else on a page next to it. */
async function formOf(c: Client, url: string, page?: Page): Promise<FormFields | null> {
  const parent = (u: string) => u.replace(/\/[^/]+$/, '');
  const candidates: Page[] = page ? [page] : [`${url}/new`, url, `${url}/edit`, `${parent(url)}/new`, parent(url)];
  for (const p of candidates) {
    let html: string;
    if (typeof p === 'string') {
      const res = await c.get(`${baseURL}${p}`).catch(() => null);
      if (!res || res.status !== 200) continue;
      html = res.text;
    } else {
      html = await p(c);
    }
    const found = formFields(html, url.split('?')[0]!);
    if (found) return found;
  }
  return null;
}

/** The concrete URLs of a route: its path with each target's params, or as it is. */
async function targetsOf(route: RouteEntry): Promise<{ url: string; target: Target | null }[]> {
  const spec = FORMS[route.path];
  if (!/[:*]/.test(route.path)) return [{ url: route.path, target: null }];
  const targets = await spec!.targets!(setup);
  return targets.map((t) => ({
    url: route.path.replace(/:(\w+)/g, (_, name: string) => {
      const v = t.params[name];
      if (v === undefined) throw new Error(`${route.path}: no value for :${name}`);
      return encodeURIComponent(v);
    }),
    target: t,
  }));
}

describe(`fuzzing every form with ${PER_FORM} malformed bodies`, () => {
  it('knows where to fuzz every form', () => {
    const paths = new Set(routes.map((r) => r.path));
    const missing = routes.filter((r) => /[:*]/.test(r.path) && !FORMS[r.path]?.targets).map((r) => r.path);
    expect(missing, 'routes with params and no targets in FORMS (they would only meet not-found)').toEqual([]);
    expect(Object.keys(FORMS).filter((p) => !paths.has(p)), 'FORMS entries for routes the app does not have').toEqual([]);
  });

  it('never answers 500 and changes no table but what a form without fields acts on', async () => {
    const report: string[] = [];
    let reached = 0;
    let plain = 0;
    const started = Date.now();
    try {
      for (const route of routes.filter((r) => r.path.includes(ONLY))) {
        const spec = FORMS[route.path] ?? {};
        for (const { url, target } of await targetsOf(route)) {
          const c = await signedIn(spec.persona ?? personaFor(route.path));
          const form = spec.script || spec.button ? { fields: [], files: [] } : await formOf(c, url, target?.page ?? spec.page);
          expect(form, `${url}: no form posting to it on its page`).not.toBeNull();
          const { fields, files } = form!;
          const count = Math.min(PER_FORM, spec.max ?? Infinity);
          const bodies = fuzzBodies(fields, count, url.length, files);
          const before = await tableDigests();
          appErrors.length = 0;
          const statuses = new Map<number, number>();
          let next = 0;
          const cookie = c.cookieHeader();
          await Promise.all(
            Array.from({ length: CONCURRENCY }, async () => {
              while (next < bodies.length) {
                const i = next++;
                const body = bodies[i]!;
                const res = await fetch(`${baseURL}${url}`, {
                  method: 'POST',
                  headers: {
                    cookie,
                    'content-type': 'application/x-www-form-urlencoded',
                    'x-csrf-token': c.csrf,
                    ...(spec.addressPerBody ? { 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` } : {}),
                  },
                  body,
                  redirect: 'manual',
                });
                await res.arrayBuffer();
                statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
              }
            }),
          );
          const after = await tableDigests();
          const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
          const histogram = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
          const allowed = spec.acts ?? [];
          if (target) reached++;
          else plain++;
          report.push(
            `${url} [${fields.length} field${fields.length === 1 ? '' : 's'}${files.length ? ` + ${files.length} file` : ''}${target ? ', real target' : ''}${count < PER_FORM ? `, ${count} bodies` : ''}] ${histogram}` +
              `${changed.length ? ` changed ${changed.join(',')}` : ''}`,
          );
          expect(statuses.get(500) ?? 0, `${url}: 500 responses; the app logged ${appErrors[0]?.slice(0, 3000) ?? 'nothing'}`).toBe(0);
          expect(changed.filter((t) => !allowed.includes(t)), `${url}: tables changed (it may change ${allowed.join(', ') || 'none'})`).toEqual([]);
          // A real target is reached: not every body meets not-found.
          if (target) expect(statuses.get(404) ?? 0, `${url}: every body met not-found`).toBeLessThan(count);
          // A form with fields answers its own refusal: the bodies met its fields, not a guard.
          if (fields.length && !spec.acts) expect(statuses.get(400) ?? 0, `${url}: no body was refused by the form (400)`).toBeGreaterThan(0);
        }
      }
    } finally {
      process.stdout.write(
        `fuzzed ${report.length} forms × ${PER_FORM} in ${Math.round((Date.now() - started) / 1000)} s: ${reached} reached on a real target ` +
          `(${routes.filter((r) => r.path.includes(ONLY) && /[:*]/.test(r.path)).length} routes with params), ${plain} needed none\n  ${report.join('\n  ')}\n`,
      );
    }
  }, 7_200_000);
});
