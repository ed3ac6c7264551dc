import type { Db } from '../../platform/database';
import type { AuditService } from '../../platform/audit';
import type { MailService } from '../../platform/mail';
import type { UploadStore, ReceivedFile } from '../../platform/uploads';
import { auditSource } from '../../platform/audit';
import type { SessionUser } from '../../platform/identity/sessionUser';
import { hasRole } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import { FormError, NotFoundError, ForbiddenError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import { rocDateTime } from '../../platform/dates';
import { createMessagesRepository, type InboxFilter } from './repository';
import {
  ATTACHMENTS_MAX,
  GROUP_MAX,
  NOTICE_SCOPES,
  addContactSchema,
  composeSchema,
  deleteSchema,
  digestSchema,
  directorySearchSchema,
  groupSchema,
  membersSchema,
  noticeSchema,
  searchSchema,
  signatureSchema,
} from './schemas';

type Ctx = RequestContext;
const PAGE_SIZE = 20;
/** The badge counts up to here and shows 99+ beyond. */
export const UNREAD_CAP = 100;

/** How a signature follows the body (the usual "-- " line). */
export function withSignature(body: string, signature: string): string {
  return signature ? `${body}\n\n-- \n${signature}` : body;
}

const quote = (text: string) =>
  text
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');

/**
 * 網頁訊息 (e公務), 簽名檔設定, 通訊錄 and 群組設定 of 我的專區. A message is stored once;
 * each recipient has a state row; an agency notice's rows are made by one statement.
 */
export function createMessagesService(deps: { db: Db; audit: AuditService; mail: MailService; uploads: UploadStore; clock: () => Date; publicOrigin: string }) {
  const { db, audit, mail, uploads, clock } = deps;
  const repo = createMessagesRepository(db);

  const denied = (u: SessionUser, action: string, target: { type: string; id: number }, ctx: Ctx, details: Record<string, unknown> = {}) =>
    audit.record({ ...auditSource(u, ctx), action, outcome: 'denied', target, details });

  /** A group of this person; someone else's → audit entry and the form's message. */
  async function ownGroups(u: SessionUser, ids: number[], ctx: Ctx, field: string) {
    const groups = [];
    for (const id of ids) {
      const g = await repo.group(id);
      if (!g || g.ownerPersonId !== u.personId) {
        await denied(u, 'message.group.denied', { type: 'message_group', id }, ctx, { use: field });
        throw new FormError({ [field]: '查無此群組，只能選擇您自己設定的群組' });
      }
      groups.push(g);
    }
    return groups;
  }

  /**
   * Who a person-to-person message (or card) goes to: people named one by one must be in the
   * sender's 通訊錄, of the sender's agency, or the one replied to; group members come with
   * the groups; people who do not accept e公務 messages are left out and named.
   */
  async function resolveRecipients(u: SessionUser, to: number[], groups: { id: number; name: string }[], replyTarget: number | null = null, what = '訊息') {
    const named = await repo.people(to);
    const contacts = await repo.contactIds(u.personId);
    const outside = to.filter((id) => {
      const p = named.find((x) => x.personId === id);
      return !p || !(contacts.has(id) || p.agencyId === u.agencyId || id === replyTarget);
    });
    if (outside.length) throw new FormError({ to: '收件人須為您通訊錄中的聯絡人或本機關人員' });
    const everyone = [...new Set([...to, ...(await repo.memberIds(groups.map((g) => g.id)))])];
    const accepting = await repo.acceptingMessages(everyone);
    const delivered = everyone.filter((id) => accepting.has(id));
    const refusedIds = everyone.filter((id) => !accepting.has(id));
    const refused = (await repo.people(refusedIds)).map((p) => p.name);
    if (!delivered.length) {
      throw new FormError({ to: `收件人（${refused.join('、')}）未開放e公務接收訊息，${what}未送出` });
    }
    const names = named.filter((p) => accepting.has(p.personId)).map((p) => p.name);
    const recipientsText = [...names, ...groups.map((g) => `群組：${g.name}`)].join('、').slice(0, 2000);
    return { delivered, refused, refusedIds, recipientsText };
  }

  async function groupOf(u: SessionUser, id: number, ctx: Ctx) {
    const g = await repo.group(id);
    if (!g || g.ownerPersonId !== u.personId) {
      await denied(u, 'message.group.denied', { type: 'message_group', id }, ctx);
      throw new NotFoundError('查無此群組');
    }
    return g;
  }

  return {
    isHr: (u: SessionUser | undefined) => hasRole(u, 'hr_staff'),

    // --- for 電子賀卡 (src/portal/cards): the same recipient rules and storage ---
    /** The sender's own groups among `ids` (someone else's → audit entry and a FormError on `field`). */
    ownGroups: (u: SessionUser, ids: number[], ctx: Ctx, field = 'groups') => ownGroups(u, ids, ctx, field),
    resolveRecipients,
    /** Of these people, those who accept person-to-person messages now. */
    accepting: (ids: number[]) => repo.acceptingMessages(ids),
    contactsOf: (u: SessionUser) => repo.contacts(u.personId),
    groupsOf: (u: SessionUser) => repo.groups(u.personId),
    signatureOf: async (u: SessionUser) => (await repo.setting(u.personId)).signature,
    /** Stores a message and its recipients' rows (one statement) in the caller's transaction. */
    async post(trx: Db, m: Parameters<typeof repo.insertMessage>[1], personIds: number[]): Promise<{ id: number; delivered: number }> {
      const id = await repo.insertMessage(trx, m);
      return { id, delivered: await repo.deliver(trx, id, personIds) };
    },

    /** The header's badge: the unread count, up to UNREAD_CAP (shown as 99+ beyond). */
    unreadCount: (u: SessionUser) => repo.unreadCount(u.personId, UNREAD_CAP),

    // --- 網頁訊息 ---
    parseSearch(query: Record<string, unknown>): InboxFilter {
      const pick = (k: string) => (typeof query[k] === 'string' ? (query[k] as string) : '');
      return parseForm(searchSchema, { sender: pick('sender'), subject: pick('subject'), from: pick('from'), to: pick('to') });
    },
    async inbox(u: SessionUser, f: InboxFilter, page: number) {
      const { total, rows } = await repo.inbox(u.personId, f, PAGE_SIZE, (page - 1) * PAGE_SIZE);
      return { total, rows, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
    },
    async sent(u: SessionUser, f: InboxFilter, page: number) {
      const { total, rows } = await repo.sent(u.personId, f, PAGE_SIZE, (page - 1) * PAGE_SIZE);
      return { total, rows, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
    },

    /** A received message, marked read; another person's → 404 and an audit entry. */
    async read(u: SessionUser, id: number, ctx: Ctx) {
      const m = await repo.received(u.personId, id);
      if (!m) {
        await denied(u, 'message.read.denied', { type: 'message', id }, ctx);
        throw new NotFoundError('查無此訊息');
      }
      if (!m.readAt) await repo.markRead(u.personId, id, clock());
      return { message: m, attachments: await repo.attachments(id) };
    },
    async sentOne(u: SessionUser, id: number, ctx: Ctx) {
      const m = await repo.sentOne(u.personId, id);
      if (!m) {
        await denied(u, 'message.read.denied', { type: 'message', id }, ctx, { box: 'sent' });
        throw new NotFoundError('查無此訊息');
      }
      return { message: m, attachments: await repo.attachments(id) };
    },
    async remove(u: SessionUser, id: number, ctx: Ctx) {
      if (!(await repo.deleteReceived(u.personId, [id], clock()))) {
        await denied(u, 'message.delete.denied', { type: 'message', id }, ctx);
        throw new NotFoundError('查無此訊息');
      }
      await audit.record({ ...auditSource(u, ctx), action: 'message.delete', target: { type: 'message', id } });
    },
    async removeMany(u: SessionUser, body: unknown, ctx: Ctx) {
      const { ids } = parseForm(deleteSchema, body);
      const n = await repo.deleteReceived(u.personId, ids, clock());
      if (n < ids.length) await denied(u, 'message.delete.denied', { type: 'message', id: ids[0]! }, ctx, { asked: ids.length, deleted: n });
      if (n) await audit.record({ ...auditSource(u, ctx), action: 'message.delete', target: { type: 'message', id: ids[0]! }, details: { count: n } });
      return n;
    },
    async removeSent(u: SessionUser, id: number, ctx: Ctx) {
      if (!(await repo.deleteSent(u.personId, id, clock()))) {
        await denied(u, 'message.delete.denied', { type: 'message', id }, ctx, { box: 'sent' });
        throw new NotFoundError('查無此訊息');
      }
    },
    async attachment(u: SessionUser, id: number, ctx: Ctx) {
      const a = await repo.attachmentFor(u.personId, id);
      if (!a) {
        await denied(u, 'message.attachment.denied', { type: 'message_attachment', id }, ctx);
        throw new NotFoundError('查無此附件');
      }
      return a;
    },

    /** What the compose form offers, and its values for 回覆 / 轉寄. */
    async composeChoices(u: SessionUser, q: string) {
      const [contacts, groups, setting] = await Promise.all([repo.contacts(u.personId), repo.groups(u.personId), repo.setting(u.personId)]);
      const { q: dq } = parseForm(directorySearchSchema, { q });
      const directory = dq ? (await repo.searchDirectory(dq, u.agencyId, 50)).filter((p) => p.personId !== u.personId && !contacts.some((c) => c.personId === p.personId)) : [];
      return { contacts, groups, signature: setting.signature, directory, dq };
    },
    async replyValues(u: SessionUser, id: number, mode: 'reply' | 'forward', ctx: Ctx) {
      const { message: m } = await this.read(u, id, ctx);
      const header = `${m.senderName}（${m.senderAgencyName}）於 ${rocDateTime(m.createdAt)} 寫道：`;
      if (mode === 'reply') {
        const values: Record<string, string> = { subject: `RE: ${m.subject}`.slice(0, 100), body: `\n\n${header}\n${quote(m.body)}`.slice(0, 5000), replyTo: String(m.id) };
        if (m.senderPersonId && m.kind !== 'notice') values.to = String(m.senderPersonId);
        const sender = m.senderPersonId ? (await repo.people([m.senderPersonId]))[0] : undefined;
        return { values, extra: sender && m.kind !== 'notice' ? [sender] : [] };
      }
      return { values: { subject: `FW: ${m.subject}`.slice(0, 100), body: `\n\n---------- 轉寄訊息 ----------\n${header}\n${m.body}`.slice(0, 5000), forwardOf: String(m.id) }, extra: [] };
    },

    /**
     * Sends a person-to-person message to people (from 通訊錄, one's agency, or the sender of
     * the message replied to) and one's own groups, with the 簽名檔. People who do not accept
     * e公務 messages are left out and named in the result. Bad input keeps nothing.
     */
    async send(u: SessionUser, body: unknown, files: ReceivedFile[], ctx: Ctx) {
      const input = parseForm(composeSchema, body);
      if (!input.to.length && !input.groups.length) throw new FormError({ to: '請選擇至少一位收件人或一個群組' });
      const groups = await ownGroups(u, input.groups, ctx, 'groups');
      let replyTarget: number | null = null;
      if (input.replyTo !== null) {
        const original = await repo.received(u.personId, input.replyTo);
        if (!original) {
          await denied(u, 'message.read.denied', { type: 'message', id: input.replyTo }, ctx, { use: 'reply' });
          throw new NotFoundError('查無此訊息');
        }
        // A person's message or card may be answered; an agency notice (or birthday card) not.
        replyTarget = original.kind !== 'notice' ? original.senderPersonId : null;
      }
      let forwarded: { id: number } | null = null;
      if (input.forwardOf !== null) {
        const original = await repo.received(u.personId, input.forwardOf);
        if (!original) {
          await denied(u, 'message.read.denied', { type: 'message', id: input.forwardOf }, ctx, { use: 'forward' });
          throw new NotFoundError('查無此訊息');
        }
        forwarded = original;
      }
      if (forwarded && (await repo.attachments(forwarded.id)).length + files.length > ATTACHMENTS_MAX) {
        throw new FormError({ files: `附件最多 ${ATTACHMENTS_MAX} 個（含轉寄訊息原有的附件）` });
      }
      const { delivered, refused, refusedIds, recipientsText } = await resolveRecipients(u, input.to, groups, replyTarget);
      const { signature } = await repo.setting(u.personId);
      const id = await uploads.keep(files, (stored) =>
        db.transaction(async (trx) => {
          const messageId = await repo.insertMessage(trx, {
            kind: 'personal',
            senderPersonId: u.personId,
            senderName: u.name,
            senderAgencyName: u.agencyName,
            subject: input.subject,
            body: withSignature(input.body, signature),
            recipientsText,
            noticeAgencyId: null,
            replyToId: input.replyTo,
            createdAt: clock(),
          });
          await repo.deliver(trx, messageId, delivered);
          await repo.insertAttachments(trx, messageId, stored);
          if (forwarded) await repo.copyAttachments(trx, forwarded.id, messageId);
          await audit.record(
            { ...auditSource(u, ctx), action: 'message.send', target: { type: 'message', id: messageId }, details: { recipients: delivered.length, refused: refusedIds.length, groups: groups.length, files: stored.length } },
            trx,
          );
          return messageId;
        }),
      );
      return { id, delivered: delivered.length, refused };
    },

    /** 人事人員: a notice to every person of their agency (or one unit, or its HR staff), stored as one message. */
    async noticeChoices(u: SessionUser) {
      return { units: await repo.unitsOf(u.agencyId), scopes: NOTICE_SCOPES };
    },
    /** Only 人事人員 send agency notices; anyone else → 403 and an audit entry. */
    async assertHr(u: SessionUser, ctx: Ctx) {
      if (hasRole(u, 'hr_staff')) return;
      await denied(u, 'message.notice.denied', { type: 'agency', id: u.agencyId }, ctx);
      throw new ForbiddenError('只有人事人員可以發送機關通知');
    },
    async sendNotice(u: SessionUser, body: unknown, ctx: Ctx) {
      await this.assertHr(u, ctx);
      const input = parseForm(noticeSchema, body);
      if (input.scope === 'unit' && !(await repo.unitsOf(u.agencyId)).includes(input.unit)) throw new FormError({ unit: '請選擇本機關的單位' });
      const { signature } = await repo.setting(u.personId);
      const label = input.scope === 'unit' ? `${u.agencyName} ${input.unit}` : input.scope === 'hr' ? `${u.agencyName} 人事人員` : `${u.agencyName} 全體人員`;
      return db.transaction(async (trx) => {
        const id = await repo.insertMessage(trx, {
          kind: 'notice',
          senderPersonId: u.personId,
          senderName: u.name,
          senderAgencyName: u.agencyName,
          subject: input.subject,
          body: withSignature(input.body, signature),
          recipientsText: label,
          noticeAgencyId: u.agencyId,
          replyToId: null,
          createdAt: clock(),
        });
        const n = await repo.deliverNotice(trx, id, u.agencyId, { unit: input.scope === 'unit' ? input.unit : null, hrOnly: input.scope === 'hr' });
        if (!n) throw new FormError({ scope: '發送對象沒有在職人員，訊息未送出' });
        await audit.record({ ...auditSource(u, ctx), action: 'message.notice', target: { type: 'message', id }, details: { scope: input.scope, unit: input.unit, recipients: n } }, trx);
        return { id, delivered: n };
      });
    },

    // --- 簽名檔設定 / 新訊息通知 ---
    setting: (u: SessionUser) => repo.setting(u.personId),
    previewSignature(body: unknown) {
      const { signature } = parseForm(signatureSchema, body);
      return withSignature('（訊息內容）', signature);
    },
    async saveSignature(u: SessionUser, body: unknown, ctx: Ctx) {
      const { signature } = parseForm(signatureSchema, body);
      await repo.saveSignature(u.personId, signature);
      await audit.record({ ...auditSource(u, ctx), action: 'message.signature', target: { type: 'person', id: u.personId } });
    },
    async saveDigest(u: SessionUser, body: unknown) {
      const { mailDigest } = parseForm(digestSchema, body);
      await repo.saveMailDigest(u.personId, mailDigest);
      return mailDigest;
    },
    /** At most one mail an hour to each person who asked, when new messages came since the last one. */
    async sendDigests(now: Date) {
      const due = await repo.digestsDue(now);
      for (const d of due) {
        await db.transaction(async (trx) => {
          await repo.digested(trx, d.personId, now);
          return mail.queue(
            {
              to: d.email,
              subject: `人事服務網 網頁訊息通知（${d.fresh} 則新訊息）`,
              text: `${d.name} 您好：\n\n您在人事服務網有 ${d.fresh} 則新的網頁訊息，請登入後至「我的專區 > 網頁訊息」閱讀：\n${deps.publicOrigin}/my/messages\n\n如不需此通知，可於網頁訊息的「通知設定」取消。\n\n行政院人事行政總處`,
            },
            trx,
          );
        });
      }
      return { sent: due.length };
    },

    // --- 通訊錄 ---
    async contacts(u: SessionUser, q: string) {
      const { q: cq } = parseForm(directorySearchSchema, { q });
      return repo.contacts(u.personId, cq);
    },
    async searchDirectory(u: SessionUser, q: string) {
      const { q: dq } = parseForm(directorySearchSchema, { q });
      if (!dq) return [];
      const mine = await repo.contactIds(u.personId);
      return (await repo.searchDirectory(dq, null, 50)).map((p) => ({ ...p, isContact: mine.has(p.personId), isSelf: p.personId === u.personId }));
    },
    async addContact(u: SessionUser, body: unknown, ctx: Ctx) {
      const { personId, note } = parseForm(addContactSchema, body);
      const [p] = await repo.people([personId]);
      if (!p || personId === u.personId) throw new FormError({ personId: '查無此人員' });
      if (!(await repo.addContact(u.personId, personId, note))) throw new FormError({ personId: `${p.name} 已在您的通訊錄中` });
      await audit.record({ ...auditSource(u, ctx), action: 'message.contact.add', target: { type: 'person', id: personId } });
      return p.name;
    },
    async removeContact(u: SessionUser, personId: number, ctx: Ctx) {
      const n = await db.transaction((trx) => repo.removeContact(u.personId, personId, trx));
      if (!n) throw new NotFoundError('查無此聯絡人');
      await audit.record({ ...auditSource(u, ctx), action: 'message.contact.remove', target: { type: 'person', id: personId } });
    },

    // --- 群組設定 ---
    groups: (u: SessionUser) => repo.groups(u.personId),
    async createGroup(u: SessionUser, body: unknown, ctx: Ctx) {
      const { name } = parseForm(groupSchema, body);
      if (await repo.groupNamed(u.personId, name)) throw new FormError({ name: `已有名為「${name}」的群組` });
      const id = await repo.insertGroup(u.personId, name);
      await audit.record({ ...auditSource(u, ctx), action: 'message.group.create', target: { type: 'message_group', id } });
      return id;
    },
    async group(u: SessionUser, id: number, ctx: Ctx) {
      const group = await groupOf(u, id, ctx);
      const [members, contacts] = await Promise.all([repo.members(id), repo.contacts(u.personId)]);
      return { group, members, candidates: contacts.filter((c) => !members.some((m) => m.personId === c.personId)), max: GROUP_MAX };
    },
    async deleteGroup(u: SessionUser, id: number, ctx: Ctx) {
      await groupOf(u, id, ctx);
      await repo.deleteGroup(id);
      await audit.record({ ...auditSource(u, ctx), action: 'message.group.delete', target: { type: 'message_group', id } });
    },
    /** Adds contacts to a group of at most GROUP_MAX members; over it, nothing is added. */
    async addMembers(u: SessionUser, id: number, body: unknown, ctx: Ctx) {
      await groupOf(u, id, ctx);
      const { members } = parseForm(membersSchema, body);
      const contacts = await repo.contactIds(u.personId);
      if (members.some((m) => !contacts.has(m))) throw new FormError({ members: '群組成員須為您通訊錄中的聯絡人' });
      return db.transaction(async (trx) => {
        await repo.lockGroup(trx, id);
        const current = await repo.memberCount(trx, id);
        const added = await repo.addMembers(trx, id, members);
        if (current + added > GROUP_MAX) throw new FormError({ members: `群組成員最多 ${GROUP_MAX} 位（目前 ${current} 位），請減少勾選的人數` });
        await audit.record({ ...auditSource(u, ctx), action: 'message.group.members', target: { type: 'message_group', id }, details: { added } }, trx);
        return added;
      });
    },
    async removeMember(u: SessionUser, id: number, personId: number, ctx: Ctx) {
      await groupOf(u, id, ctx);
      if (!(await repo.removeMember(id, personId))) throw new NotFoundError('查無此成員');
    },
  };
}

export type MessagesService = ReturnType<typeof createMessagesService>;
