import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import { auditSource } from '../../platform/audit';
import { FormError, ForbiddenError, NotFoundError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import { rocShort, taipeiToday } from '../../platform/dates';
import { withSignature } from '../messages/service';
import type { CardsDeps } from './deps';
import { createCardsRepository } from './repository';
import { BIRTHDAY_SUBJECT, DESIGNS, birthdaysOn, cardSubject, type Design } from './designs';
import { birthdaySchema, cardSchema, previewSchema } from './schemas';

type Ctx = RequestContext;

/** What a new agency's birthday form starts with. */
export const BIRTHDAY_DEFAULT = { enabled: false, design: 'birthday' as Design, greeting: '祝您生日快樂，身體健康，萬事如意！' };

/**
 * 電子賀卡: a card (design + greeting, the 簽名檔 appended) goes to contacts and one's own
 * groups by the 網頁訊息 recipient rules, now or on a later day, and arrives in the inbox as
 * a message of kind 'card'. 人事人員 may have birthday cards sent to their agency's people on
 * their birthdays: one message and one INSERT … SELECT per agency and day, once per person
 * and year (card_birthday_sent's key).
 */
export function createCardsService(deps: CardsDeps) {
  const { db, audit, clock, messages } = deps;
  const repo = createCardsRepository(db);

  async function assertHr(u: SessionUser, ctx: Ctx) {
    if (messages.isHr(u)) return;
    await audit.record({ ...auditSource(u, ctx), action: 'card.birthday.denied', outcome: 'denied', target: { type: 'agency', id: u.agencyId } });
    throw new ForbiddenError('只有人事人員可以設定生日賀卡');
  }

  return {
    designs: DESIGNS,
    isHr: (u: SessionUser | undefined) => messages.isHr(u),
    today: () => taipeiToday(clock()),

    /** What the card form offers: one's contacts and groups, the signature, and the cards waiting for their date. */
    async choices(u: SessionUser) {
      const [contacts, groups, signature, scheduled] = await Promise.all([messages.contactsOf(u), messages.groupsOf(u), messages.signatureOf(u), repo.pending(u.personId)]);
      return { contacts, groups, signature, scheduled };
    },

    /** 預覽: the card and its text as a recipient will see it; nothing is saved. */
    async preview(u: SessionUser, body: unknown) {
      const { design, greeting } = parseForm(previewSchema, body);
      return { design, text: withSignature(greeting, await messages.signatureOf(u)) };
    },

    /**
     * Sends a card now (no date, or today) or keeps it for its date. Recipients as 網頁訊息
     * has them; people who do not accept e公務 messages are left out and named. Bad input
     * keeps nothing.
     */
    async send(u: SessionUser, body: unknown, ctx: Ctx) {
      const input = parseForm(cardSchema, body);
      const today = taipeiToday(clock());
      if (input.sendOn && input.sendOn < today) throw new FormError({ sendOn: `寄送日期不可早於今天（${rocShort(today)}）` });
      if (!input.to.length && !input.groups.length) throw new FormError({ to: '請選擇至少一位收件人或一個群組' });
      const groups = await messages.ownGroups(u, input.groups, ctx);
      const r = await messages.resolveRecipients(u, input.to, groups, null, '賀卡');
      const text = withSignature(input.greeting, await messages.signatureOf(u));
      const card = { design: input.design, delivered: r.delivered.length, refused: r.refused };
      if (!input.sendOn || input.sendOn === today) {
        const id = await db.transaction(async (trx) => {
          const { id } = await messages.post(
            trx,
            { kind: 'card', cardDesign: input.design, senderPersonId: u.personId, senderName: u.name, senderAgencyName: u.agencyName, subject: cardSubject(input.design), body: text, recipientsText: r.recipientsText, noticeAgencyId: null, replyToId: null, createdAt: clock() },
            r.delivered,
          );
          await audit.record({ ...auditSource(u, ctx), action: 'card.send', target: { type: 'message', id }, details: { design: input.design, recipients: r.delivered.length, refused: r.refusedIds.length, groups: groups.length } }, trx);
          return id;
        });
        return { ...card, messageId: id, sendOn: null };
      }
      await db.transaction(async (trx) => {
        const id = await repo.schedule(trx, { senderPersonId: u.personId, senderName: u.name, senderAgencyName: u.agencyName, design: input.design, body: text, recipientsText: r.recipientsText, personIds: r.delivered, sendOn: input.sendOn });
        await audit.record({ ...auditSource(u, ctx), action: 'card.schedule', target: { type: 'card_schedule', id }, details: { design: input.design, sendOn: input.sendOn, recipients: r.delivered.length } }, trx);
      });
      return { ...card, messageId: null, sendOn: input.sendOn };
    },

    /** Cancels one's own card waiting for its date; anyone else's (or one sent) → 404 and an audit entry. */
    async cancel(u: SessionUser, id: number, ctx: Ctx) {
      if (!(await repo.cancel(u.personId, id))) {
        await audit.record({ ...auditSource(u, ctx), action: 'card.schedule.denied', outcome: 'denied', target: { type: 'card_schedule', id } });
        throw new NotFoundError('查無此預約賀卡');
      }
      await audit.record({ ...auditSource(u, ctx), action: 'card.schedule.cancel', target: { type: 'card_schedule', id } });
    },

    /**
     * The scheduled job: sends the cards due on or before today (Taipei). Each card is locked
     * and marked sent in the transaction that stores its message, so a second run (or a
     * second instance) sends nothing twice. Who no longer accepts e公務 messages is left out.
     */
    async sendScheduled(now: Date) {
      let sent = 0;
      for (const id of await repo.dueIds(taipeiToday(now))) {
        const done = await db.transaction(async (trx) => {
          const c = await repo.claim(trx, id);
          if (!c) return false;
          const accepting = await messages.accepting(c.personIds);
          const to = c.personIds.filter((p) => accepting.has(p));
          const messageId = to.length
            ? (
                await messages.post(
                  trx,
                  { kind: 'card', cardDesign: c.design, senderPersonId: c.senderPersonId, senderName: c.senderName, senderAgencyName: c.senderAgencyName, subject: cardSubject(c.design as Design), body: c.body, recipientsText: c.recipientsText, noticeAgencyId: null, replyToId: null, createdAt: now },
                  to,
                )
              ).id
            : null;
          await repo.markSent(trx, c.id, now, messageId);
          await audit.record({ actor: { accountId: null, label: '電子賀卡預約寄送' }, action: 'card.send', target: { type: 'card_schedule', id: c.id }, details: { messageId, recipients: to.length, left: c.personIds.length - to.length } }, trx);
          return true;
        });
        if (done) sent += 1;
      }
      return { sent };
    },

    // --- 生日賀卡 (人事人員) ---
    assertHr,
    async birthdaySetting(u: SessionUser, ctx: Ctx) {
      await assertHr(u, ctx);
      return (await repo.birthdaySetting(u.agencyId)) ?? { ...BIRTHDAY_DEFAULT, agencyId: u.agencyId, updatedAt: null };
    },
    async saveBirthdaySetting(u: SessionUser, body: unknown, ctx: Ctx) {
      await assertHr(u, ctx);
      const input = parseForm(birthdaySchema, body);
      await db.transaction(async (trx) => {
        await repo.saveBirthdaySetting(trx, { agencyId: u.agencyId, enabled: input.enabled, design: input.design, greeting: input.greeting, by: u.personId, at: clock() });
        await audit.record({ ...auditSource(u, ctx), action: 'card.birthday.setting', target: { type: 'agency', id: u.agencyId }, details: { enabled: input.enabled, design: input.design } }, trx);
      });
      return input.enabled;
    },

    /**
     * The scheduled job: each agency that sends birthday cards sends today's (Taipei) as one
     * message from its 人事室 and one statement that delivers it to the people in service born
     * on this day (29 February birthdays on 28 February in common years) whose card of the
     * year has not gone out. Safe to run again: the (person, year) key skips them.
     * Like agency notices, birthday cards arrive whatever the person's e公務 choice.
     */
    async sendBirthdays(now: Date) {
      const day = birthdaysOn(taipeiToday(now));
      let people = 0;
      let agencies = 0;
      for (const a of await repo.birthdayAgenciesDue(day)) {
        const n = await db.transaction(async (trx) => {
          const { id } = await messages.post(
            trx,
            { kind: 'card', cardDesign: a.design, senderPersonId: null, senderName: '人事室', senderAgencyName: a.agencyName, subject: BIRTHDAY_SUBJECT, body: a.greeting, recipientsText: `${a.agencyName} 當日壽星`, noticeAgencyId: a.agencyId, replyToId: null, createdAt: now },
            [],
          );
          const delivered = await repo.deliverBirthday(trx, id, a.agencyId, day);
          if (!delivered) {
            await repo.dropMessage(trx, id);
            return 0;
          }
          await audit.record({ actor: { accountId: null, label: '生日賀卡' }, action: 'card.birthday.send', target: { type: 'message', id }, details: { agencyId: a.agencyId, recipients: delivered } }, trx);
          return delivered;
        });
        if (n) agencies += 1;
        people += n;
      }
      return { agencies, people };
    },
  };
}

export type CardsService = ReturnType<typeof createCardsService>;
