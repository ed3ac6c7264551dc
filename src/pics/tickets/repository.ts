import { insertReturningId, type Db } from '../../platform/database';
import type { StoredFile } from '../../platform/uploads';
import { keptRead } from '../../platform/readCache';
import type { Channel, QueueFilter } from './schemas';

export interface TicketRow {
  id: number;
  receiptNo: string;
  channel: Channel;
  kind: '問題' | '建議';
  appCode: string | null;
  appName: string | null;
  subject: string;
  description: string;
  personId: number;
  personName: string;
  nationalId: string;
  agencyName: string;
  phone: string;
  email: string;
  status: 'open' | 'closed';
  assigneeAccountId: number | null;
  /** The assignee's person (whose name is shown). */
  assigneePersonId: number | null;
  assigneeName: string | null;
  enteredByAccountId: number | null;
  chatId: number | null;
  dueOn: string;
  resolution: string | null;
  createdAt: Date;
  closedAt: Date | null;
}

export interface EventRow {
  id: number;
  kind: 'filed' | 'reply' | 'note' | 'take' | 'assign' | 'close' | 'reopen';
  body: string;
  public: boolean;
  actorLabel: string | null;
  createdAt: Date;
}

export interface AttachmentRow {
  id: number;
  ticketId: number;
  eventId: number | null;
  storedName: string;
  originalName: string;
  mime: string;
  size: number;
}

/** A new ticket's columns. */
export interface NewTicket {
  receiptNo: string;
  channel: Channel;
  kind: '問題' | '建議';
  appCode: string | null;
  subject: string;
  description: string;
  personId: number;
  phone: string;
  email: string;
  enteredByAccountId: number | null;
  chatId: number | null;
  dueOn: string;
  createdAt: Date;
}

/** A line of a ticket's history. */
export interface NewEvent {
  ticketId: number;
  kind: EventRow['kind'];
  body?: string;
  public?: boolean;
  actorAccountId?: number | null;
  actorLabel?: string | null;
}

/** A ticket locked for a desk action: what the action decides on. */
export interface LockedTicket {
  id: number;
  status: 'open' | 'closed';
  assigneeAccountId: number | null;
}

/** What a desk action may change on a ticket. */
export interface TicketPatch {
  status?: 'open' | 'closed';
  assigneeAccountId?: number;
  resolution?: string;
  closedAt?: Date | null;
  dueOn?: string;
}

export interface Page<T> {
  rows: T[];
  total: number;
  page: number;
  pages: number;
}

const TICKET_COLUMNS = [
  't.id',
  't.receipt_no as receiptNo',
  't.channel',
  't.kind',
  't.app_code as appCode',
  'app.name as appName',
  't.subject',
  't.description',
  't.person_id as personId',
  'p.name as personName',
  'p.national_id as nationalId',
  'ag.name as agencyName',
  't.phone',
  't.email',
  't.status',
  't.assignee_account_id as assigneeAccountId',
  'aa.person_id as assigneePersonId',
  'ap.name as assigneeName',
  't.entered_by_account_id as enteredByAccountId',
  't.chat_id as chatId',
  't.resolution',
  't.created_at as createdAt',
  't.closed_at as closedAt',
];

export const PAGE_SIZE = 10;

function paged<T>(rows: T[], total: number, page: number): Page<T> {
  return { rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
}

/** The instant a Taipei calendar day begins. */
export const taipeiStart = (ymd: string) => new Date(`${ymd}T00:00:00+08:00`);

export function createTicketRepository(db: Db) {
  function ticketQuery(q: Db = db) {
    return q('pics_ticket as t')
      .join('person as p', 'p.id', 't.person_id')
      .join('agency as ag', 'ag.id', 'p.agency_id')
      .leftJoin('app_catalog as app', 'app.code', 't.app_code')
      .leftJoin('account as aa', 'aa.id', 't.assignee_account_id')
      .leftJoin('person as ap', 'ap.id', 'aa.person_id')
      .select([...TICKET_COLUMNS, db.raw("to_char(t.due_on, 'YYYY-MM-DD') as \"dueOn\"")]);
  }

  /** 掛號查詢 of one person, newest first, from the database. */
  async function readOwn(personId: number, f: { receiptNo: string | null; from: string | null; to: string | null }, page: number): Promise<Page<{ id: number; receiptNo: string; subject: string; createdAt: Date; status: string }>> {
    const base = db('pics_ticket').where({ person_id: personId });
    if (f.receiptNo) base.where('receipt_no', f.receiptNo);
    if (f.from) base.where('created_at', '>=', taipeiStart(f.from));
    if (f.to) base.where('created_at', '<', new Date(taipeiStart(f.to).getTime() + 86_400_000));
    // One round trip: the count (an index-only scan from the person) beside the page of rows.
    const pageRows = base
      .clone()
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE)
      .select('id', 'receipt_no as receiptNo', 'subject', 'created_at as createdAt', 'status');
    // A plain read: sent as a prepared statement (platform/database.ts).
    const result = (await db
      .from(base.clone().count<{ total: number }[]>({ total: 'id' }).as('c'))
      .joinRaw('LEFT JOIN LATERAL (?) AS p ON true', [db.raw('?', [pageRows])])
      .select('c.total', 'p.*')) as ({ total: number } & Partial<{ id: number; receiptNo: string; subject: string; createdAt: Date; status: string }>)[];
    const total = Number(result[0]?.total ?? 0);
    const rows = result.filter((r) => r.id !== undefined && r.id !== null) as { id: number; receiptNo: string; subject: string; createdAt: Date; status: string }[];
    return paged(rows, total, page);
  }

  /** The desk's queue with its filters, from the database. */
  async function readQueue(f: QueueFilter, me: number, now: Date, page: number): Promise<Page<TicketRow>> {
    const q = ticketQuery();
    if (f.app) q.where('t.app_code', f.app);
    if (f.status) q.where('t.status', f.status);
    if (f.channel) q.where('t.channel', f.channel);
    if (f.assignee === 'me') q.where('t.assignee_account_id', me);
    else if (f.assignee === 'none') q.whereNull('t.assignee_account_id');
    else if (f.assignee) q.where('t.assignee_account_id', Number(f.assignee));
    if (f.age) q.where('t.created_at', '<=', new Date(now.getTime() - Number(f.age) * 86_400_000));
    const countQ = q.clone().clearSelect().clearOrder().count<{ count: string }[]>('t.id as count');
    const count = (await countQ)[0]?.count ?? 0;
    const rows = await q
      .orderBy([
        { column: 't.due_on', order: 'asc' },
        { column: 't.id', order: 'asc' },
      ])
      .limit(PAGE_SIZE)
      .offset((page - 1) * PAGE_SIZE);
    return paged(rows, Number(count), page);
  }

  return {
    async insertTicket(trx: Db, t: NewTicket): Promise<number> {
      return insertReturningId(trx, 'pics_ticket', {
        receipt_no: t.receiptNo,
        channel: t.channel,
        kind: t.kind,
        app_code: t.appCode,
        subject: t.subject,
        description: t.description,
        person_id: t.personId,
        phone: t.phone,
        email: t.email,
        entered_by_account_id: t.enteredByAccountId,
        chat_id: t.chatId,
        due_on: t.dueOn,
        created_at: t.createdAt,
        updated_at: t.createdAt,
      });
    },

    async insertEvent(trx: Db, e: NewEvent): Promise<number> {
      return insertReturningId(trx, 'pics_ticket_event', {
        ticket_id: e.ticketId,
        kind: e.kind,
        body: e.body,
        public: e.public,
        actor_account_id: e.actorAccountId,
        actor_label: e.actorLabel,
      });
    },

    async insertAttachments(trx: Db, ticketId: number, eventId: number | null, files: StoredFile[]) {
      if (!files.length) return;
      await trx('pics_attachment').insert(
        files.map((f) => ({
          ticket_id: ticketId,
          event_id: eventId,
          stored_name: f.storedName,
          original_name: f.originalName.slice(0, 120),
          mime: f.mime,
          size: f.size,
          sha256: f.sha256,
        })),
      );
    },

    async byReceipt(receiptNo: string): Promise<TicketRow | undefined> {
      return ticketQuery().where('t.receipt_no', receiptNo).first();
    },

    async byId(id: number, trx: Db = db): Promise<TicketRow | undefined> {
      return ticketQuery(trx).where('t.id', id).first();
    },

    async lockForUpdate(trx: Db, id: number): Promise<LockedTicket | undefined> {
      return trx('pics_ticket').where({ id }).forUpdate().first('id', 'status', 'assignee_account_id as assigneeAccountId');
    },

    /** Sets the fields given (and updated_at). */
    async update(trx: Db, id: number, patch: TicketPatch) {
      const row: Record<string, unknown> = {};
      if (patch.status !== undefined) row.status = patch.status;
      if (patch.assigneeAccountId !== undefined) row.assignee_account_id = patch.assigneeAccountId;
      if (patch.resolution !== undefined) row.resolution = patch.resolution;
      if (patch.closedAt !== undefined) row.closed_at = patch.closedAt;
      if (patch.dueOn !== undefined) row.due_on = patch.dueOn;
      await trx('pics_ticket').where({ id }).update({ ...row, updated_at: trx.fn.now() });
    },

    async events(ticketId: number, publicOnly: boolean): Promise<EventRow[]> {
      const q = db('pics_ticket_event')
        .where({ ticket_id: ticketId })
        .orderBy('id')
        .select('id', 'kind', 'body', 'public', 'actor_label as actorLabel', 'created_at as createdAt');
      if (publicOnly) q.where('public', true);
      const rows = await q;
      return rows.map((r: EventRow & { id: string | number }) => ({ ...r, id: Number(r.id) }));
    },

    async attachments(ticketId: number): Promise<AttachmentRow[]> {
      const rows = await db('pics_attachment')
        .where({ ticket_id: ticketId })
        .orderBy('id')
        .select('id', 'ticket_id as ticketId', 'event_id as eventId', 'stored_name as storedName', 'original_name as originalName', 'mime', 'size');
      return rows.map((r: AttachmentRow) => ({ ...r, eventId: r.eventId === null ? null : Number(r.eventId) }));
    },

    async attachment(id: number): Promise<(AttachmentRow & { eventPublic: boolean | null }) | undefined> {
      const r = await db('pics_attachment as a')
        .leftJoin('pics_ticket_event as e', 'e.id', 'a.event_id')
        .where('a.id', id)
        .first('a.id', 'a.ticket_id as ticketId', 'a.event_id as eventId', 'a.stored_name as storedName', 'a.original_name as originalName', 'a.mime', 'a.size', 'e.public as eventPublic');
      return r ? { ...r, eventId: r.eventId === null ? null : Number(r.eventId) } : undefined;
    },

    /** 掛號查詢 of one person: newest first. The list without a search is kept until one of the person's tickets changes. */
    searchOwn(personId: number, f: { receiptNo: string | null; from: string | null; to: string | null }, page: number): Promise<Page<{ id: number; receiptNo: string; subject: string; createdAt: Date; status: string }>> {
      const read = () => readOwn(personId, f, page);
      return f.receiptNo || f.from || f.to ? read() : keptRead(db, `pics.own:${personId}:${page}`, [`pics_ticket:${personId}`], read);
    },

    /**
     * The desk's queue with its filters. Kept until a ticket, an agency or an application changes,
     * or the person or account row of someone it shows (an asker, an assignee): not when anyone
     * else signs in or edits their profile. Not with an age filter (the answer moves with the clock).
     */
    queue(f: QueueFilter, me: number, now: Date, page: number): Promise<Page<TicketRow>> {
      const read = () => readQueue(f, me, now, page);
      if (f.age) return read();
      const key = `pics.queue:${JSON.stringify([f.app, f.status, f.channel, f.assignee, f.assignee === 'me' ? me : null, page])}`;
      return keptRead(db, key, ['pics_ticket', 'agency', 'app_catalog'], read, {
        rows: {
          of: ['person', 'account'],
          tags: (v) =>
            v.rows.flatMap((t) => [
              `person:${t.personId}`,
              ...(t.assigneeAccountId === null ? [] : [`account:${t.assigneeAccountId}`]),
              ...(t.assigneePersonId === null ? [] : [`person:${t.assigneePersonId}`]),
            ]),
        },
      });
    },

    async overdue(today: string): Promise<TicketRow[]> {
      return ticketQuery().where('t.status', 'open').where('t.due_on', '<', today).orderBy('t.due_on').orderBy('t.id').limit(500);
    },

    async personByNationalId(nationalId: string): Promise<{ id: number; name: string; nationalId: string; agencyName: string; status: string; officePhone: string | null; email: string | null } | undefined> {
      return db('person as p')
        .join('agency as ag', 'ag.id', 'p.agency_id')
        .leftJoin('account as a', 'a.person_id', 'p.id')
        .where('p.national_id', nationalId)
        .first('p.id', 'p.name', 'p.national_id as nationalId', 'ag.name as agencyName', 'p.status', 'p.office_phone as officePhone', 'a.email');
    },

    /** The address of the person's own portal account, the one ticket mail goes to. */
    async accountEmailOf(personId: number): Promise<string | null> {
      const r = await db('account').where({ person_id: personId }).whereNotNull('email').orderBy('id').first('email');
      return (r?.email as string | undefined) ?? null;
    },

    async contactOf(personId: number): Promise<{ phone: string; email: string }> {
      const r = await db('person as p').leftJoin('account as a', 'a.person_id', 'p.id').where('p.id', personId).first('p.office_phone', 'a.phone', 'a.email');
      return { phone: r?.office_phone ?? r?.phone ?? '', email: r?.email ?? '' };
    },

    async appExists(code: string): Promise<boolean> {
      return Boolean(await db('app_catalog').where({ code, active: true }).first('code'));
    },

    /** The active applications a ticket may name (kept until the catalog changes). */
    apps(): Promise<readonly { code: string; name: string }[]> {
      return keptRead(db, 'pics.apps', ['app_catalog'], () => db('app_catalog').where({ active: true }).orderBy('sort_order').orderBy('code').select('code', 'name'));
    },

    async personExists(id: number): Promise<boolean> {
      return Boolean(await db('person').where({ id }).first('id'));
    },

  };
}

export type TicketRepository = ReturnType<typeof createTicketRepository>;
