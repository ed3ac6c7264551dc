import type { Knex } from 'knex';
import pg from 'pg';
import type { Db } from '../../platform/database';

export type ChatState = 'menu' | 'waiting' | 'active' | 'ended';
export type Sender = 'asker' | 'agent' | 'system';
export type MessageKind = 'text' | 'image' | 'menu' | 'choice' | 'transfer' | 'joined' | 'ended' | 'receipt';

export interface ChatRow {
  id: number;
  askerAccountId: number;
  askerPersonId: number;
  askerName: string;
  state: ChatState;
  agentAccountId: number | null;
  agentName: string | null;
  createdAt: Date;
  queuedAt: Date | null;
  acceptedAt: Date | null;
  endedAt: Date | null;
  lastActivityAt: Date;
  receiptNo: string | null;
  transcriptMailedAt: Date | null;
}

export interface MessageRow {
  id: number;
  chatId: number;
  sender: Sender;
  senderAccountId: number | null;
  senderName: string;
  kind: MessageKind;
  body: string;
  imageStoredName: string | null;
  imageOriginalName: string | null;
  imageMime: string | null;
  createdAt: Date;
  /** The chat's state when the line was read. */
  chatState: ChatState;
}

export interface NewMessage {
  sender: Sender;
  senderAccountId: number | null;
  senderName: string;
  kind: MessageKind;
  body: string;
  image?: { storedName: string; originalName: string; mime: string; size: number; sha256: string } | null;
}

export interface AgentRow {
  accountId: number;
  displayName: string;
  maxConcurrent: number;
  status: 'available' | 'away';
  heartbeatAt: Date | null;
}

const CHAT_COLUMNS = [
  'c.id',
  'c.asker_account_id as askerAccountId',
  'c.asker_person_id as askerPersonId',
  'c.asker_name as askerName',
  'c.state',
  'c.agent_account_id as agentAccountId',
  'a.display_name as agentName',
  'c.created_at as createdAt',
  'c.queued_at as queuedAt',
  'c.accepted_at as acceptedAt',
  'c.ended_at as endedAt',
  'c.last_activity_at as lastActivityAt',
  'c.receipt_no as receiptNo',
  'c.transcript_mailed_at as transcriptMailedAt',
];

const MESSAGE_COLUMNS = [
  'm.id',
  'm.chat_id as chatId',
  'm.sender',
  'm.sender_account_id as senderAccountId',
  'm.sender_name as senderName',
  'm.kind',
  'm.body',
  'm.image_stored_name as imageStoredName',
  'm.image_original_name as imageOriginalName',
  'm.image_mime as imageMime',
  'm.created_at as createdAt',
  'c.state as chatState',
];

export const NOTIFY_CHANNEL = 'pics_chat';
/** A notification carrying the line itself starts with this; `m:<chat>:<id>` announces one to read. */
export const INLINE_PREFIX = 'l:';
const NOTIFY_LIMIT = 7_900;

/**
 * The statement that stores a line: UPDATE the chat row (locking it, with `guard` as its
 * FROM/WHERE), INSERT the line, NOTIFY. With `spoken`, the sender and its name come from the
 * guard's subquery `s` (asker or agent), not from the bound values.
 */
function lineStatement(guard: string, inline: boolean, spoken = false): string {
  // The spoken line's sender and agent name were worked out under the chat's lock (guard's `s`).
  const senderCol = spoken ? 'c.sender' : '?::text';
  const nameCol = spoken ? "CASE WHEN c.sender = 'agent' THEN c.agent_name ELSE ?::text END" : '?::text';
  const announce = inline
    ? `CASE WHEN octet_length(p.j) <= ${NOTIFY_LIMIT} THEN '${INLINE_PREFIX}' || p.j ELSE 'm:' || m.chat_id || ':' || m.id END`
    : `'m:' || m.chat_id || ':' || m.id`;
  return `WITH c AS (UPDATE pics_chat SET last_activity_at = ?::timestamptz ${guard} RETURNING pics_chat.id, pics_chat.state${spoken ? ', s.sender, s.agent_name' : ''}),
            m AS (INSERT INTO pics_chat_message
                    (chat_id, sender, sender_account_id, sender_name, kind, body, image_stored_name, image_original_name, image_mime, image_size, image_sha256, created_at)
                  SELECT c.id, ${senderCol}, ?::int, ${nameCol}, ?::text, ?::text, ?::text, ?::text, ?::text, ?::int, ?::text, ?::timestamptz FROM c
                  RETURNING *)
       SELECT m.id, m.sender, pg_notify('${NOTIFY_CHANNEL}', ${announce})
         FROM m CROSS JOIN c
         CROSS JOIN LATERAL (SELECT json_build_object(
           'id', m.id, 'chatId', m.chat_id, 'sender', m.sender, 'senderAccountId', m.sender_account_id, 'senderName', m.sender_name,
           'kind', m.kind, 'body', m.body, 'imageStoredName', m.image_stored_name, 'imageOriginalName', m.image_original_name,
           'imageMime', m.image_mime, 'createdAt', m.created_at, 'chatState', c.state)::text AS j) p`;
}

/** The bound values of a line, in the order of lineStatement's INSERT (a spoken line's sender is not bound). */
function lineValues(m: NewMessage, now: Date, spoken = false): Knex.Value[] {
  return [
    ...(spoken ? [] : [m.sender]),
    m.senderAccountId,
    m.senderName,
    m.kind,
    m.body,
    m.image?.storedName ?? null,
    m.image?.originalName ?? null,
    m.image?.mime ?? null,
    m.image?.size ?? null,
    m.image?.sha256 ?? null,
    now,
  ];
}

/** The columns a chat's update may set, camelCase as the services name them. */
export interface ChatPatch {
  state?: ChatState;
  agentAccountId?: number;
  queuedAt?: Date;
  acceptedAt?: Date;
  endedAt?: Date;
  receiptNo?: string;
  transcriptMailedAt?: Date;
}
const CHAT_PATCH_COLUMNS: Record<keyof ChatPatch, string> = {
  state: 'state',
  agentAccountId: 'agent_account_id',
  queuedAt: 'queued_at',
  acceptedAt: 'accepted_at',
  endedAt: 'ended_at',
  receiptNo: 'receipt_no',
  transcriptMailedAt: 'transcript_mailed_at',
};

/**
 * A client of its own for LISTEN (a pooled connection cannot hold one), on the database
 * the pool connects to. Not yet connected: the caller attaches its handlers first.
 */
export function listenerClient(db: Db): pg.Client {
  const c = (db.client as { config: { connection: unknown } }).config.connection;
  return new pg.Client(typeof c === 'string' ? { connectionString: c } : (c as pg.ClientConfig));
}

/** Connects the listener and subscribes it to the chat's notifications. */
export async function startListening(c: pg.Client): Promise<void> {
  await c.connect();
  await c.query(`LISTEN ${NOTIFY_CHANNEL}`);
}

export function createChatRepository(db: Db) {
  const chats = (trx: Db = db) => trx('pics_chat as c').leftJoin('pics_chat_agent as a', 'a.account_id', 'c.agent_account_id');

  return {
    async chat(id: number, trx: Db = db): Promise<ChatRow | undefined> {
      return chats(trx).where('c.id', id).first(CHAT_COLUMNS);
    },
    /** Locks the chat row, so that a chat's lines are committed in id order. */
    async lockChat(trx: Db, id: number): Promise<ChatRow | undefined> {
      const row = await trx('pics_chat').where({ id }).forUpdate().first('id');
      if (!row) return undefined;
      return chats(trx).where('c.id', id).first(CHAT_COLUMNS);
    },
    async openChatOf(accountId: number): Promise<ChatRow | undefined> {
      return chats().where('c.asker_account_id', accountId).whereNot('c.state', 'ended').first(CHAT_COLUMNS);
    },
    async createChat(trx: Db, row: { askerAccountId: number; askerPersonId: number; askerName: string; state: ChatState; now: Date }): Promise<number> {
      const [r] = await trx('pics_chat')
        .insert({
          asker_account_id: row.askerAccountId,
          asker_person_id: row.askerPersonId,
          asker_name: row.askerName,
          state: row.state,
          created_at: row.now,
          queued_at: row.state === 'waiting' ? row.now : null,
          last_activity_at: row.now,
        })
        .returning('id');
      return (r as { id: number }).id;
    },
    async updateChat(trx: Db, id: number, patch: ChatPatch) {
      const row: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) row[CHAT_PATCH_COLUMNS[k as keyof ChatPatch]] = v;
      await trx('pics_chat').where({ id }).update(row);
    },
    /**
     * Stores a line and tells every instance (NOTIFY is delivered on commit), in one
     * statement. The chat row is locked (UPDATE) before the line takes its id, so a chat's
     * lines commit in id order and a reader resuming "after id N" never skips one.
     * With `inline`, the notification carries the line itself (when it fits the 8,000-byte
     * payload), so the instances holding the chat's streams send it without reading it back;
     * a line stored with other changes in one transaction is announced by id only, so the
     * streams read it after the commit with the chat's new state.
     */
    async addMessage(trx: Db, chatId: number, m: NewMessage, now: Date, inline = false): Promise<number> {
      const { rows } = await trx.raw(lineStatement('WHERE id = ?::int', inline), [now, chatId, ...lineValues(m, now)]);
      if (!rows.length) throw new Error(`chat ${chatId} not found`);
      return Number(rows[0].id);
    },
    /**
     * A typed line from a participant, in one statement with its authorization: stored only
     * when the chat is not ended and the account is its asker (a person's session) or its
     * agent; the agent's line carries the agent's display name. Undefined when refused.
     */
    async addSpokenLine(chatId: number, by: { accountId: number; isPerson: boolean; isAgent: boolean; name: string }, m: Omit<NewMessage, 'sender' | 'senderAccountId' | 'senderName'>, now: Date): Promise<{ id: number; sender: Sender } | undefined> {
      const sender = `CASE WHEN c.asker_account_id = ?::int AND ?::boolean THEN 'asker' WHEN ?::boolean AND c.agent_account_id = ?::int THEN 'agent' END`;
      const guard = `FROM (SELECT ${sender} AS sender, coalesce((SELECT a.display_name FROM pics_chat_agent a WHERE a.account_id = c.agent_account_id), ?::text) AS agent_name
                           FROM pics_chat c WHERE c.id = ?::int FOR UPDATE) s
                     WHERE pics_chat.id = ?::int AND pics_chat.state <> 'ended' AND s.sender IS NOT NULL`;
      const { rows } = await db.raw(lineStatement(guard, true, true), [
        now,
        by.accountId,
        by.isPerson,
        by.isAgent,
        by.accountId,
        by.name,
        chatId,
        chatId,
        ...lineValues({ ...m, sender: 'asker', senderAccountId: by.accountId, senderName: by.name }, now, true),
      ]);
      return rows.length ? { id: Number(rows[0].id), sender: rows[0].sender as Sender } : undefined;
    },
    /** Tells every instance that the queue or the seats changed. */
    async notifyQueue(trx: Db = db) {
      await trx.raw('SELECT pg_notify(?, ?)', [NOTIFY_CHANNEL, 'q']);
    },
    async messagesAfter(chatId: number, afterId: number, limit = 500): Promise<MessageRow[]> {
      return db('pics_chat_message as m')
        .join('pics_chat as c', 'c.id', 'm.chat_id')
        .where('m.chat_id', chatId)
        .where('m.id', '>', afterId)
        .orderBy('m.id')
        .limit(limit)
        .select(MESSAGE_COLUMNS);
    },
    async message(chatId: number, id: number): Promise<MessageRow | undefined> {
      return db('pics_chat_message as m').join('pics_chat as c', 'c.id', 'm.chat_id').where({ 'm.chat_id': chatId, 'm.id': id }).first(MESSAGE_COLUMNS);
    },
    async lastMessageId(chatId: number): Promise<number> {
      const r = await db('pics_chat_message').where({ chat_id: chatId }).max('id as id').first();
      return Number(r?.id ?? 0);
    },

    // --- seats and queue ---
    async agent(accountId: number, trx: Db = db): Promise<AgentRow | undefined> {
      return trx('pics_chat_agent')
        .where({ account_id: accountId })
        .first('account_id as accountId', 'display_name as displayName', 'max_concurrent as maxConcurrent', 'status', 'heartbeat_at as heartbeatAt');
    },
    async ensureAgent(accountId: number, displayName: string) {
      await db('pics_chat_agent').insert({ account_id: accountId, display_name: displayName.slice(0, 30) }).onConflict('account_id').ignore();
    },
    async setAgent(accountId: number, patch: { status?: 'available' | 'away'; heartbeatAt?: Date }) {
      const row: Record<string, unknown> = {};
      if (patch.status !== undefined) row.status = patch.status;
      if (patch.heartbeatAt !== undefined) row.heartbeat_at = patch.heartbeatAt;
      await db('pics_chat_agent').where({ account_id: accountId }).update(row);
    },
    /** Locks the agent's row, so that one agent accepts one chat at a time. */
    async lockAgent(trx: Db, accountId: number): Promise<void> {
      await trx('pics_chat_agent').where({ account_id: accountId }).forUpdate().first();
    },
    /** Seats of agents with a recent heartbeat, and how many of them are taken. */
    async seats(freshSince: Date): Promise<{ agents: number; seats: number; busy: number; waiting: number }> {
      const { rows } = await db.raw(
        `SELECT
           (SELECT count(*) FROM pics_chat_agent a WHERE a.status = 'available' AND a.heartbeat_at > ?)::int AS agents,
           (SELECT coalesce(sum(a.max_concurrent), 0) FROM pics_chat_agent a WHERE a.status = 'available' AND a.heartbeat_at > ?)::int AS seats,
           (SELECT coalesce(sum(least(a.max_concurrent, (SELECT count(*) FROM pics_chat c WHERE c.agent_account_id = a.account_id AND c.state = 'active'))), 0)
              FROM pics_chat_agent a WHERE a.status = 'available' AND a.heartbeat_at > ?)::int AS busy,
           (SELECT count(*) FROM pics_chat c WHERE c.state = 'waiting')::int AS waiting`,
        [freshSince, freshSince, freshSince],
      );
      return rows[0];
    },
    /** Waiting chats in queue order. */
    async waitingIds(): Promise<number[]> {
      const rows = await db('pics_chat').where({ state: 'waiting' }).orderBy([{ column: 'queued_at' }, { column: 'id' }]).select('id');
      return rows.map((r: { id: number }) => r.id);
    },
    /** Average minutes an agent spent on a chat, over the last 50 finished ones. */
    async averageHandleMinutes(): Promise<number | null> {
      const { rows } = await db.raw(
        `SELECT avg(extract(epoch FROM (ended_at - accepted_at)) / 60) AS m FROM (
           SELECT ended_at, accepted_at FROM pics_chat WHERE state = 'ended' AND accepted_at IS NOT NULL AND ended_at IS NOT NULL
           ORDER BY ended_at DESC LIMIT 50) t`,
      );
      return rows[0]?.m == null ? null : Number(rows[0].m);
    },
    async activeCountOf(trx: Db, agentAccountId: number): Promise<number> {
      const r = await trx('pics_chat').where({ agent_account_id: agentAccountId, state: 'active' }).count('id as n').first();
      return Number(r?.n ?? 0);
    },
    /** Takes the first waiting chat no one else is taking. */
    async takeNextWaiting(trx: Db): Promise<number | null> {
      const row = await trx('pics_chat')
        .where({ state: 'waiting' })
        .orderBy([{ column: 'queued_at' }, { column: 'id' }])
        .forUpdate()
        .skipLocked()
        .first('id');
      return row ? (row.id as number) : null;
    },
    async activeChatsOf(agentAccountId: number): Promise<ChatRow[]> {
      return chats().where({ 'c.agent_account_id': agentAccountId, 'c.state': 'active' }).orderBy('c.accepted_at').select(CHAT_COLUMNS);
    },
    async recentEnded(limit = 20): Promise<ChatRow[]> {
      return chats().where('c.state', 'ended').orderBy('c.ended_at', 'desc').limit(limit).select(CHAT_COLUMNS);
    },
    async idleOpenChats(before: Date): Promise<number[]> {
      const rows = await db('pics_chat').whereNot({ state: 'ended' }).where('last_activity_at', '<', before).select('id');
      return rows.map((r: { id: number }) => r.id);
    },
    async contactOf(accountId: number): Promise<{ email: string | null; phone: string | null; officePhone: string | null } | undefined> {
      return db('account as ac')
        .join('person as p', 'p.id', 'ac.person_id')
        .where('ac.id', accountId)
        .first('ac.email', 'ac.phone', 'p.office_phone as officePhone');
    },
    /**
     * Of these sessions, those still signed in at `now` (unexpired, within the idle and
     * absolute limits), each with its account: what the chat streams opened in them need.
     */
    async liveSessions(sids: string[], now: number, limits: { idleMs: number; absoluteMs: number }): Promise<Map<string, number>> {
      const rows = await db('session')
        .whereIn('sid', sids)
        .andWhere('expire', '>=', db.fn.now())
        .andWhereRaw("coalesce((sess->>'createdAt')::bigint, 0) >= ?", [now - limits.absoluteMs])
        .andWhereRaw("coalesce((sess->>'lastSeenAt')::bigint, 0) >= ?", [now - limits.idleMs])
        .select('sid', db.raw("(sess->'passport'->'user'->>'accountId')::int as account_id"));
      return new Map(rows.map((r: { sid: string; account_id: number | null }) => [r.sid, Number(r.account_id)]));
    },
    /** Of these accounts, those that hold the role in role_grant. */
    async roleHolders(role: string, accountIds: number[]): Promise<Set<number>> {
      const rows = (await db('role_grant').where({ role }).whereIn('account_id', accountIds).distinct('account_id')) as { account_id: number }[];
      return new Set(rows.map((r) => r.account_id));
    },
  };
}

export type ChatRepository = ReturnType<typeof createChatRepository>;
