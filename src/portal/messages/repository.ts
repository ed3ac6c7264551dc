import type { Knex } from 'knex';
import { insertReturningId, type Db } from '../../platform/database';
import { camelCased } from '../../platform/rows';
import { keptRead } from '../../platform/readCache';

/** A person of the personnel directory, as 通訊錄 and the compose page show them. */
export interface DirectoryPerson {
  personId: number;
  name: string;
  agencyId: number;
  agencyName: string;
  title: string;
  unit: string;
  officePhone: string | null;
  email: string | null;
}

export interface Contact extends DirectoryPerson {
  note: string;
}

export interface Group {
  id: number;
  ownerPersonId: number;
  name: string;
  members: number;
}

/** A 網頁訊息's kind: person to person, an agency notice, or an 電子賀卡 (with its design). */
export type MessageKind = 'personal' | 'notice' | 'card';

export interface InboxRow {
  id: number;
  kind: MessageKind;
  senderName: string;
  senderAgencyName: string;
  subject: string;
  createdAt: Date;
  readAt: Date | null;
  attachments: number;
}

export interface Message {
  id: number;
  kind: MessageKind;
  cardDesign: string | null;
  senderPersonId: number | null;
  senderName: string;
  senderAgencyName: string;
  subject: string;
  body: string;
  recipientsText: string;
  createdAt: Date;
  readAt?: Date | null;
}

export interface InboxFilter {
  sender: string;
  subject: string;
  from: string;
  to: string;
}

const like = (s: string) => `%${s.replace(/[\\%_]/g, '\\$&')}%`;

const directoryColumns = [
  'p.id as person_id',
  'p.name',
  'p.agency_id',
  'g.name as agency_name',
  'p.title',
  'p.unit',
  'p.office_phone',
  'a.email',
];

function directory(db: Db | Knex.Transaction) {
  return db('person as p').join('agency as g', 'g.id', 'p.agency_id').leftJoin('account as a', 'a.person_id', 'p.id');
}

/** Dates are Taipei calendar days. */
function filtered(q: Knex.QueryBuilder, f: InboxFilter) {
  if (f.sender) q.whereILike('m.sender_name', like(f.sender));
  if (f.subject) q.whereILike('m.subject', like(f.subject));
  if (f.from) q.whereRaw("m.created_at >= (?::date)::timestamp AT TIME ZONE 'Asia/Taipei'", [f.from]);
  if (f.to) q.whereRaw("m.created_at < ((?::date) + 1)::timestamp AT TIME ZONE 'Asia/Taipei'", [f.to]);
  return q;
}

export function createMessagesRepository(db: Db) {
  /** One's own groups with their member counts, from the database. */
  async function readGroups(owner: number): Promise<Group[]> {
    const rows = await db('message_group as g')
      .leftJoin('message_group_member as m', 'm.group_id', 'g.id')
      .where('g.owner_person_id', owner)
      .groupBy('g.id')
      .orderBy('g.name')
      .select('g.id', 'g.owner_person_id', 'g.name', db.raw('count(m.person_id)::int as members'));
    return rows.map((r: Record<string, unknown>) => camelCased<Group>(r));
  }

  /** The 簽名檔 and digest setting, from the database. */
  async function readSetting(personId: number): Promise<{ signature: string; mailDigest: boolean }> {
    const row = await db('message_setting').where({ person_id: personId }).first('signature', 'mail_digest');
    return { signature: row?.signature ?? '', mailDigest: Boolean(row?.mail_digest) };
  }

  /** The unread count, from the database (see unreadCount). */
  async function readUnread(personId: number, cap: number): Promise<number> {
    // The same count as unreadBadgeSql below.
    const unread = db('message_recipient').where({ person_id: personId }).whereNull('read_at').whereNull('deleted_at').select(db.raw('1')).limit(cap);
    const rows = (await db.from(unread.as('u')).select(db.raw('count(*)::int as n'))) as { n: number }[];
    return rows[0]?.n ?? 0;
  }

  /** A page of the inbox, from the database. */
  async function readInbox(personId: number, f: InboxFilter, limit: number, offset: number): Promise<{ total: number; rows: InboxRow[] }> {
    const base = () =>
      filtered(db('message_recipient as r').join('message as m', 'm.id', 'r.message_id').where('r.person_id', personId).whereNull('r.deleted_at'), f);
    const totalRow = (await base().count({ n: '*' }).first()) as { n: string | number };
    const rows = await base()
      .select(
        'm.id',
        'm.kind',
        'm.sender_name',
        'm.sender_agency_name',
        'm.subject',
        'm.created_at',
        'r.read_at',
        db.raw('(SELECT count(*)::int FROM message_attachment x WHERE x.message_id = m.id) AS attachments'),
      )
      .orderBy('r.message_id', 'desc')
      .limit(limit)
      .offset(offset);
    return { total: Number(totalRow.n), rows: rows.map((r: Record<string, unknown>) => ({ ...camelCased<InboxRow>(r), id: Number(r.id) })) };
  }

  return {
    // --- 人員名錄 ---
    /** People in service whose name, title or unit contains `q`; `agencyId` narrows to one agency. */
    async searchDirectory(q: string, agencyId: number | null, limit: number): Promise<DirectoryPerson[]> {
      const query = directory(db).where('p.status', '在職').select(directoryColumns).orderBy(['g.code', 'p.name', 'p.id']).limit(limit);
      if (agencyId !== null) query.where('p.agency_id', agencyId);
      if (q) query.andWhere((w) => w.whereILike('p.name', like(q)).orWhereILike('p.title', like(q)).orWhereILike('p.unit', like(q)).orWhereILike('g.name', like(q)));
      return (await query).map((r: Record<string, unknown>) => camelCased<DirectoryPerson>(r));
    },
    async people(ids: number[]): Promise<DirectoryPerson[]> {
      if (!ids.length) return [];
      return (await directory(db).whereIn('p.id', ids).select(directoryColumns)).map((r: Record<string, unknown>) => camelCased<DirectoryPerson>(r));
    },
    /** Of these people, those who allow person-to-person messages (e公務 opt-in). */
    async acceptingMessages(ids: number[]): Promise<Set<number>> {
      if (!ids.length) return new Set();
      const rows: number[] = await db('account').whereIn('person_id', ids).andWhere('egov_opt_in', true).pluck('person_id');
      return new Set(rows);
    },
    async unitsOf(agencyId: number): Promise<string[]> {
      return db('person').where({ agency_id: agencyId, status: '在職' }).distinct('unit').orderBy('unit').pluck('unit');
    },

    // --- 通訊錄 ---
    /**
     * One's 通訊錄, or the contacts matching `q`. The whole list is kept (platform/readCache.ts)
     * until the owner's contacts, any agency, or the person or account row of one of them changes
     * (any account, while one of them has none).
     */
    async contacts(owner: number, q = ''): Promise<readonly Contact[]> {
      const read = async () => {
        const query = directory(db)
          .join('message_contact as c', 'c.person_id', 'p.id')
          .where('c.owner_person_id', owner)
          .select([...directoryColumns, 'c.note', 'a.id as account_id'])
          .orderBy(['p.name', 'p.id']);
        if (q) query.andWhere((w) => w.whereILike('p.name', like(q)).orWhereILike('g.name', like(q)).orWhereILike('c.note', like(q)).orWhereILike('p.title', like(q)));
        const rows: Record<string, unknown>[] = await query;
        return {
          contacts: rows.map(({ account_id: _, ...r }) => camelCased<Contact>(r)),
          accountIds: rows.map((r) => r.account_id).filter((id): id is number => typeof id === 'number'),
        };
      };
      if (q) return (await read()).contacts;
      const kept = await keptRead(db, `messages.contacts:${owner}`, [`message_contact:${owner}`, 'agency'], read, {
        rows: {
          of: ['person', 'account'],
          // A contact without an account yet would show the email of one made later: any account counts then.
          tags: (v) => [
            ...v.contacts.map((c) => `person:${c.personId}`),
            ...v.accountIds.map((id) => `account:${id}`),
            ...(v.accountIds.length < v.contacts.length ? ['account'] : []),
          ],
        },
      });
      return kept.contacts;
    },
    async contactIds(owner: number): Promise<Set<number>> {
      return new Set(await db('message_contact').where({ owner_person_id: owner }).pluck('person_id'));
    },
    async addContact(owner: number, personId: number, note: string): Promise<boolean> {
      const rows = await db('message_contact').insert({ owner_person_id: owner, person_id: personId, note }).onConflict(['owner_person_id', 'person_id']).ignore().returning('person_id');
      return rows.length === 1;
    },
    async removeContact(owner: number, personId: number, trx: Db = db): Promise<number> {
      // A contact leaves the owner's groups too.
      await trx('message_group_member').whereIn('group_id', trx('message_group').where({ owner_person_id: owner }).select('id')).andWhere({ person_id: personId }).delete();
      return trx('message_contact').where({ owner_person_id: owner, person_id: personId }).delete();
    },

    // --- 群組設定 ---
    /** One's own groups with their member counts (kept until the groups or any membership changes). */
    groups(owner: number): Promise<readonly Group[]> {
      return keptRead(db, `messages.groups:${owner}`, [`message_group:${owner}`, 'message_group_member'], () => readGroups(owner));
    },
    async group(id: number): Promise<Group | undefined> {
      const row = await db('message_group as g')
        .leftJoin('message_group_member as m', 'm.group_id', 'g.id')
        .where('g.id', id)
        .groupBy('g.id')
        .first('g.id', 'g.owner_person_id', 'g.name', db.raw('count(m.person_id)::int as members'));
      return row ? camelCased<Group>(row) : undefined;
    },
    async insertGroup(owner: number, name: string, trx: Db = db): Promise<number> {
      return insertReturningId(trx, 'message_group', { owner_person_id: owner, name });
    },
    async groupNamed(owner: number, name: string): Promise<number | null> {
      const row = await db('message_group').where({ owner_person_id: owner, name }).first('id');
      return row ? Number(row.id) : null;
    },
    async deleteGroup(id: number): Promise<number> {
      return db('message_group').where({ id }).delete();
    },
    async members(groupId: number): Promise<Contact[]> {
      const rows = await directory(db)
        .join('message_group_member as gm', 'gm.person_id', 'p.id')
        .join('message_group as mg', 'mg.id', 'gm.group_id')
        .leftJoin('message_contact as c', (j) => j.on('c.person_id', 'p.id').andOn('c.owner_person_id', 'mg.owner_person_id'))
        .where('gm.group_id', groupId)
        .select([...directoryColumns, db.raw("coalesce(c.note, '') as note")])
        .orderBy(['p.name', 'p.id']);
      return rows.map((r: Record<string, unknown>) => camelCased<Contact>(r));
    },
    async memberIds(groupIds: number[]): Promise<number[]> {
      if (!groupIds.length) return [];
      return db('message_group_member').whereIn('group_id', groupIds).distinct('person_id').pluck('person_id');
    },
    /** Locks the group row, so two requests cannot both add the 200th member. */
    async lockGroup(trx: Db, id: number): Promise<void> {
      await trx('message_group').where({ id }).forUpdate().first('id');
    },
    async memberCount(trx: Db, groupId: number): Promise<number> {
      const row = (await trx('message_group_member').where({ group_id: groupId }).count({ n: '*' }).first()) as { n: string | number };
      return Number(row.n);
    },
    async addMembers(trx: Db, groupId: number, personIds: number[]): Promise<number> {
      if (!personIds.length) return 0;
      const rows = await trx('message_group_member')
        .insert(personIds.map((person_id) => ({ group_id: groupId, person_id })))
        .onConflict(['group_id', 'person_id'])
        .ignore()
        .returning('person_id');
      return rows.length;
    },
    async removeMember(groupId: number, personId: number): Promise<number> {
      return db('message_group_member').where({ group_id: groupId, person_id: personId }).delete();
    },

    // --- 簽名檔設定 / 通知 ---
    /** The 簽名檔 and digest setting (kept until it changes). */
    setting(personId: number): Promise<{ signature: string; mailDigest: boolean }> {
      return keptRead(db, `messages.setting:${personId}`, [`message_setting:${personId}`], () => readSetting(personId));
    },
    async saveSignature(personId: number, signature: string): Promise<void> {
      await db('message_setting').insert({ person_id: personId, signature }).onConflict('person_id').merge(['signature']);
    },
    async saveMailDigest(personId: number, mailDigest: boolean): Promise<void> {
      await db('message_setting').insert({ person_id: personId, mail_digest: mailDigest }).onConflict('person_id').merge(['mail_digest']);
    },

    // --- 網頁訊息 ---
    async insertMessage(
      trx: Db,
      m: {
        kind: MessageKind;
        senderPersonId: number | null;
        senderName: string;
        senderAgencyName: string;
        subject: string;
        body: string;
        recipientsText: string;
        noticeAgencyId: number | null;
        replyToId: number | null;
        createdAt: Date;
        cardDesign?: string | null;
      },
    ): Promise<number> {
      return insertReturningId(trx, 'message', {
        kind: m.kind,
        sender_person_id: m.senderPersonId,
        sender_name: m.senderName,
        sender_agency_name: m.senderAgencyName,
        subject: m.subject,
        body: m.body,
        recipients_text: m.recipientsText,
        notice_agency_id: m.noticeAgencyId,
        reply_to_id: m.replyToId,
        created_at: m.createdAt,
        card_design: m.cardDesign ?? null,
      });
    },
    /** The recipients' state rows, in one statement. */
    async deliver(trx: Db, messageId: number, personIds: number[]): Promise<number> {
      if (!personIds.length) return 0;
      const { rowCount } = await trx.raw('INSERT INTO message_recipient (person_id, message_id) SELECT unnest(?::int[]), ?', [personIds, messageId]);
      return rowCount ?? 0;
    },
    /**
     * An agency notice: every person in service of the agency (of one unit, or holding an HR
     * role) gets the message, in one INSERT … SELECT, whatever their e公務 choice.
     */
    async deliverNotice(trx: Db, messageId: number, agencyId: number, scope: { unit: string | null; hrOnly: boolean }): Promise<number> {
      const q = trx('person as p').where({ 'p.agency_id': agencyId, 'p.status': '在職' }).select(trx.raw('p.id'), trx.raw('?::bigint', [messageId]));
      if (scope.unit) q.andWhere('p.unit', scope.unit);
      if (scope.hrOnly) {
        q.whereExists(
          trx('account as a')
            .join('role_grant as r', 'r.account_id', 'a.id')
            .whereRaw('a.person_id = p.id')
            .whereIn('r.role', ['hr_staff', 'hr_supervisor', 'hr_password_reset']),
        );
      }
      const { rowCount } = await trx.raw('INSERT INTO message_recipient (person_id, message_id) ?', [q]);
      return rowCount ?? 0;
    },
    async insertAttachments(trx: Db, messageId: number, files: { storedName: string; originalName: string; mime: string; size: number; sha256: string }[]): Promise<void> {
      if (!files.length) return;
      await trx('message_attachment').insert(
        files.map((f) => ({ message_id: messageId, stored_name: f.storedName, original_name: f.originalName, mime: f.mime, size: f.size, sha256: f.sha256 })),
      );
    },

    /** A forwarded message keeps its files: the new message names the same stored files. */
    async copyAttachments(trx: Db, fromId: number, toId: number): Promise<void> {
      await trx.raw(
        'INSERT INTO message_attachment (message_id, stored_name, original_name, mime, size, sha256) SELECT ?, stored_name, original_name, mime, size, sha256 FROM message_attachment WHERE message_id = ?',
        [toId, fromId],
      );
    },

    /**
     * The header's badge: one count on the unread index, as a prepared statement, that stops
     * at `cap` (the badge shows 99+), so a person with 10,000 unread costs what one with 100 does.
     * Kept until the person's message rows change.
     */
    unreadCount(personId: number, cap: number): Promise<number> {
      return keptRead(db, `messages.unread:${personId}:${cap}`, [`message_recipient:${personId}`], () => readUnread(personId, cap));
    },

    /** A page of the inbox. Without a search it is kept until the person's message rows, or messages or attachments, change. */
    inbox(personId: number, f: InboxFilter, limit: number, offset: number): Promise<{ total: number; rows: InboxRow[] }> {
      const read = () => readInbox(personId, f, limit, offset);
      if (f.sender || f.subject || f.from || f.to) return read();
      return keptRead(db, `messages.inbox:${personId}:${limit}:${offset}`, [`message_recipient:${personId}`, 'message', 'message_attachment'], read);
    },
    async sent(personId: number, f: InboxFilter, limit: number, offset: number): Promise<{ total: number; rows: (InboxRow & { recipientsText: string })[] }> {
      const base = () => filtered(db('message as m').where('m.sender_person_id', personId).whereNull('m.sender_deleted_at'), f);
      const totalRow = (await base().count({ n: '*' }).first()) as { n: string | number };
      const rows = await base()
        .select('m.id', 'm.kind', 'm.sender_name', 'm.sender_agency_name', 'm.subject', 'm.created_at', 'm.recipients_text', db.raw('(SELECT count(*)::int FROM message_attachment x WHERE x.message_id = m.id) AS attachments'))
        .orderBy('m.id', 'desc')
        .limit(limit)
        .offset(offset);
      return { total: Number(totalRow.n), rows: rows.map((r: Record<string, unknown>) => ({ ...camelCased<InboxRow & { recipientsText: string }>(r), id: Number(r.id), readAt: null })) };
    },
    /** A message as its recipient sees it (not deleted), or undefined. */
    async received(personId: number, id: number): Promise<Message | undefined> {
      const row = await db('message_recipient as r')
        .join('message as m', 'm.id', 'r.message_id')
        .where({ 'r.person_id': personId, 'r.message_id': id })
        .whereNull('r.deleted_at')
        .first('m.id', 'm.kind', 'm.card_design', 'm.sender_person_id', 'm.sender_name', 'm.sender_agency_name', 'm.subject', 'm.body', 'm.recipients_text', 'm.created_at', 'r.read_at');
      return row ? { ...camelCased<Message>(row), id: Number(row.id) } : undefined;
    },
    /** A message as its sender sees it (寄件備份), or undefined. */
    async sentOne(personId: number, id: number): Promise<Message | undefined> {
      const row = await db('message as m')
        .where({ 'm.id': id, 'm.sender_person_id': personId })
        .whereNull('m.sender_deleted_at')
        .first('m.id', 'm.kind', 'm.card_design', 'm.sender_person_id', 'm.sender_name', 'm.sender_agency_name', 'm.subject', 'm.body', 'm.recipients_text', 'm.created_at');
      return row ? { ...camelCased<Message>(row), id: Number(row.id) } : undefined;
    },
    async markRead(personId: number, id: number, at: Date): Promise<void> {
      await db('message_recipient').where({ person_id: personId, message_id: id }).whereNull('read_at').update({ read_at: at });
    },
    async deleteReceived(personId: number, ids: number[], at: Date): Promise<number> {
      return db('message_recipient').where({ person_id: personId }).whereIn('message_id', ids).whereNull('deleted_at').update({ deleted_at: at });
    },
    async deleteSent(personId: number, id: number, at: Date): Promise<number> {
      return db('message').where({ id, sender_person_id: personId }).whereNull('sender_deleted_at').update({ sender_deleted_at: at });
    },
    async attachments(messageId: number) {
      const rows = await db('message_attachment').where({ message_id: messageId }).orderBy('id').select('id', 'original_name', 'mime', 'size');
      return rows.map((r: Record<string, unknown>) => ({ ...camelCased<{ id: number; originalName: string; mime: string; size: number }>(r), id: Number(r.id) }));
    },
    /** An attachment its reader may fetch: a recipient who has not deleted it, or the sender. */
    async attachmentFor(personId: number, id: number) {
      const row = await db('message_attachment as x')
        .join('message as m', 'm.id', 'x.message_id')
        .where('x.id', id)
        .andWhere((w) =>
          w
            .where((s) => s.where('m.sender_person_id', personId).whereNull('m.sender_deleted_at'))
            .orWhereExists(db('message_recipient as r').whereRaw('r.message_id = m.id').where('r.person_id', personId).whereNull('r.deleted_at')),
        )
        .first('x.stored_name', 'x.original_name', 'x.mime');
      return row ? camelCased<{ storedName: string; originalName: string; mime: string }>(row) : undefined;
    },

    // --- 新訊息通知信 ---
    /** People who asked for the digest, have new unread messages since their last one and had none in the last hour. */
    async digestsDue(now: Date) {
      const rows = await db('message_setting as s')
        .join('account as a', 'a.person_id', 's.person_id')
        .join('person as p', 'p.id', 's.person_id')
        .where('s.mail_digest', true)
        .whereNotNull('a.email')
        .andWhere((w) => w.whereNull('s.last_digest_at').orWhere('s.last_digest_at', '<=', new Date(now.getTime() - 3600_000)))
        .select('s.person_id', 'p.name', 'a.email', 's.last_digest_at')
        .select(
          db.raw(
            `(SELECT count(*)::int FROM message_recipient r JOIN message m ON m.id = r.message_id
               WHERE r.person_id = s.person_id AND r.read_at IS NULL AND r.deleted_at IS NULL
                 AND m.created_at > coalesce(s.last_digest_at, '-infinity')) AS fresh`,
          ),
        );
      return rows
        .map((r: Record<string, unknown>) => camelCased<{ personId: number; name: string; email: string; lastDigestAt: Date | null; fresh: number }>(r))
        .filter((r) => r.fresh > 0);
    },
    async digested(trx: Db, personId: number, at: Date): Promise<void> {
      await trx('message_setting').where({ person_id: personId }).update({ last_digest_at: at });
    },
  };
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;

/**
 * The header's badge as one scalar subquery on a person id (an SQL expression), for the session
 * read that every request makes (platform/web/setUpSession.ts): the count of unreadCount, in the
 * same round trip as the session instead of a query of its own.
 */
export function unreadBadgeSql(personIdSql: string, cap: number): string {
  return `(SELECT count(*)::int FROM (SELECT 1 FROM message_recipient WHERE person_id = ${personIdSql} AND read_at IS NULL AND deleted_at IS NULL LIMIT ${Math.trunc(cap)}) u)`;
}
