import type { Db } from '../../platform/database';
import { taipeiStart } from '../tickets/repository';
import { keptRead } from '../../platform/readCache';

/**
 * Who works the desk is read from the grants (a role granted or taken away) and the account and
 * person rows of those holding one (a name or address changed): kept until one of those changes,
 * not when anyone else signs in or edits their profile.
 */
const STAFF_ROWS = {
  of: ['account', 'person'],
  tags: (staff: readonly { accountId: number; personId: number }[]) => staff.flatMap((s) => [`account:${s.accountId}`, `person:${s.personId}`]),
};

/** The desk's own reads: who works it, and the dashboard's counts. */
export function createDeskRepository(db: Db) {
  const staff = (role: string) =>
    db('role_grant as g').join('account as a', 'a.id', 'g.account_id').join('person as p', 'p.id', 'a.person_id').where('g.role', role).orderBy('a.id');
  return {
    agents(): Promise<readonly { accountId: number; personId: number; name: string }[]> {
      return keptRead(db, 'pics.agents', ['role_grant'], () => staff('cs_agent').distinct('a.id as accountId', 'p.id as personId', 'p.name'), { rows: STAFF_ROWS });
    },

    supervisors(): Promise<readonly { accountId: number; personId: number; name: string; email: string | null }[]> {
      return keptRead(db, 'pics.supervisors', ['role_grant'], () => staff('cs_supervisor').distinct('a.id as accountId', 'p.id as personId', 'p.name', 'a.email'), { rows: STAFF_ROWS });
    },

    /** Tickets filed per Taipei day and channel since `first` ('YYYY-MM-DD'). */
    async perDayByChannel(first: string): Promise<{ day: string; channel: string; n: number }[]> {
      const { rows } = await db.raw(
        `SELECT to_char(created_at AT TIME ZONE 'Asia/Taipei', 'YYYY-MM-DD') AS day, channel, count(*) AS n
           FROM pics_ticket WHERE created_at >= ? GROUP BY 1, 2`,
        [taipeiStart(first)],
      );
      return (rows as { day: string; channel: string; n: string }[]).map((r) => ({ day: r.day, channel: r.channel, n: Number(r.n) }));
    },

    /** Tickets by status and channel. */
    async statesByChannel(): Promise<{ status: string; channel: string; n: number }[]> {
      const { rows } = await db.raw('SELECT status, channel, count(*) AS n FROM pics_ticket GROUP BY 1, 2');
      return (rows as { status: string; channel: string; n: string }[]).map((r) => ({ status: r.status, channel: r.channel, n: Number(r.n) }));
    },

    /** Open tickets past their due day by assignee ('未分派' without one), the ten largest. */
    async overdueByAssignee(today: string): Promise<{ name: string; n: number }[]> {
      const { rows } = await db.raw(
        `SELECT coalesce(p.name, '未分派') AS name, count(*) AS n FROM pics_ticket t
           LEFT JOIN account a ON a.id = t.assignee_account_id LEFT JOIN person p ON p.id = a.person_id
          WHERE t.status = 'open' AND t.due_on < ? GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
        [today],
      );
      return (rows as { name: string | null; n: string }[]).map((r) => ({ name: r.name ?? '未分派', n: Number(r.n) }));
    },
  };
}

export type DeskRepository = ReturnType<typeof createDeskRepository>;
