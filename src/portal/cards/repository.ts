import { insertReturningId, type Db } from '../../platform/database';
import { camelCased } from '../../platform/rows';

/** A card waiting for its date (the sender's 預約寄送 list, and the job's work). */
export interface ScheduledCard {
  id: number;
  senderPersonId: number;
  senderName: string;
  senderAgencyName: string;
  design: string;
  body: string;
  recipientsText: string;
  personIds: number[];
  sendOn: string;
  createdAt: Date;
}

export interface BirthdaySetting {
  agencyId: number;
  enabled: boolean;
  design: string;
  greeting: string;
  updatedAt: Date | null;
}

/** Whose birthday is on the day: month and day, and 29 February too on a common year's 28 February. */
export interface BirthdayDay {
  year: number;
  month: number;
  day: number;
  leapDayToo: boolean;
}

const scheduleColumns = ['id', 'sender_person_id', 'sender_name', 'sender_agency_name', 'design', 'body', 'recipients_text', 'person_ids', 'send_on', 'created_at'];
const asScheduled = (r: Record<string, unknown>): ScheduledCard => ({ ...camelCased<ScheduledCard>(r), id: Number(r.id), sendOn: String(r.send_on) });

/** The birthday condition on `person as p` (month/day of birth_date). */
const BIRTHDAY_SQL = '((extract(month FROM p.birth_date) = ? AND extract(day FROM p.birth_date) = ?) OR (? AND extract(month FROM p.birth_date) = 2 AND extract(day FROM p.birth_date) = 29))';
const birthdayBindings = (b: BirthdayDay) => [b.month, b.day, b.leapDayToo];

export function createCardsRepository(db: Db) {
  return {
    // --- 預約寄送 ---
    async schedule(trx: Db, c: Omit<ScheduledCard, 'id' | 'createdAt'>): Promise<number> {
      return insertReturningId(trx, 'card_schedule', {
        sender_person_id: c.senderPersonId,
        sender_name: c.senderName,
        sender_agency_name: c.senderAgencyName,
        design: c.design,
        body: c.body,
        recipients_text: c.recipientsText,
        person_ids: c.personIds,
        send_on: c.sendOn,
      });
    },
    async pending(senderPersonId: number): Promise<ScheduledCard[]> {
      const rows = await db('card_schedule').where({ sender_person_id: senderPersonId }).whereNull('sent_at').orderBy(['send_on', 'id']).select(scheduleColumns);
      return rows.map(asScheduled);
    },
    /** Cancels a card not sent yet; 0 when it is not the sender's or went out already. */
    async cancel(senderPersonId: number, id: number): Promise<number> {
      return db('card_schedule').where({ id, sender_person_id: senderPersonId }).whereNull('sent_at').delete();
    },
    /** Ids of the cards due on or before `day` (Taipei), not sent yet. */
    async dueIds(day: string): Promise<number[]> {
      const ids: (string | number)[] = await db('card_schedule').whereNull('sent_at').andWhere('send_on', '<=', day).orderBy('id').pluck('id');
      return ids.map(Number);
    },
    /** Locks a due card for sending; undefined when sent already or another instance holds it. */
    async claim(trx: Db, id: number): Promise<ScheduledCard | undefined> {
      const row = await trx('card_schedule').where({ id }).whereNull('sent_at').forUpdate().skipLocked().first(scheduleColumns);
      return row ? asScheduled(row) : undefined;
    },
    async markSent(trx: Db, id: number, at: Date, messageId: number | null): Promise<void> {
      await trx('card_schedule').where({ id }).update({ sent_at: at, message_id: messageId });
    },

    // --- 生日賀卡 ---
    async birthdaySetting(agencyId: number): Promise<BirthdaySetting | undefined> {
      const row = await db('card_birthday_setting').where({ agency_id: agencyId }).first('agency_id', 'enabled', 'design', 'greeting', 'updated_at');
      return row ? camelCased<BirthdaySetting>(row) : undefined;
    },
    async saveBirthdaySetting(trx: Db, s: { agencyId: number; enabled: boolean; design: string; greeting: string; by: number; at: Date }): Promise<void> {
      await trx('card_birthday_setting')
        .insert({ agency_id: s.agencyId, enabled: s.enabled, design: s.design, greeting: s.greeting, updated_by_person_id: s.by, updated_at: s.at })
        .onConflict('agency_id')
        .merge(['enabled', 'design', 'greeting', 'updated_by_person_id', 'updated_at']);
    },
    /** Agencies that send birthday cards and have someone in service whose card of the year has not gone out. */
    async birthdayAgenciesDue(b: BirthdayDay): Promise<{ agencyId: number; agencyName: string; design: string; greeting: string }[]> {
      const rows = await db('card_birthday_setting as s')
        .join('agency as g', 'g.id', 's.agency_id')
        .where('s.enabled', true)
        .whereExists(
          db('person as p')
            .whereRaw('p.agency_id = s.agency_id')
            .where('p.status', '在職')
            .whereRaw(BIRTHDAY_SQL, birthdayBindings(b))
            .whereNotExists(db('card_birthday_sent as x').whereRaw('x.person_id = p.id').where('x.year', b.year)),
        )
        .orderBy('s.agency_id')
        .select('s.agency_id', 'g.name as agency_name', 's.design', 's.greeting');
      return rows.map((r: Record<string, unknown>) => camelCased(r));
    },
    /**
     * The agency's people in service with their birthday on the day get the card: one
     * statement that records (person, year) — a person already recorded is skipped by the
     * unique key — and delivers to those it recorded.
     */
    async deliverBirthday(trx: Db, messageId: number, agencyId: number, b: BirthdayDay): Promise<number> {
      const { rowCount } = await trx.raw(
        `WITH due AS (
           INSERT INTO card_birthday_sent (person_id, year, message_id)
           SELECT p.id, ?, ?::bigint FROM person p
            WHERE p.agency_id = ? AND p.status = '在職' AND ${BIRTHDAY_SQL}
           ON CONFLICT (person_id, year) DO NOTHING
           RETURNING person_id, message_id)
         INSERT INTO message_recipient (person_id, message_id) SELECT person_id, message_id FROM due`,
        [b.year, messageId, agencyId, ...birthdayBindings(b)],
      );
      return rowCount ?? 0;
    },
    /** A birthday card nobody was left to receive (another run sent theirs). */
    async dropMessage(trx: Db, messageId: number): Promise<void> {
      await trx('message').where({ id: messageId, kind: 'card' }).delete();
    },
  };
}

export type CardsRepository = ReturnType<typeof createCardsRepository>;
