import type { Db } from '../../platform/database';
import { camelCased } from '../../platform/rows';

export interface PersonFound {
  accountId: number;
  name: string;
  nationalId: string;
  username: string | null;
  status: string;
  agencyId: number;
  agencyCode: string;
  agencyName: string;
  roles: string[];
}

export interface PersonRow {
  accountId: number;
  personId: number;
  name: string;
  nationalId: string;
  username: string | null;
  email: string | null;
  status: string;
  agencyId: number;
  agencyCode: string;
  agencyName: string;
}

export interface RoleGrantRow {
  id: number;
  accountId: number;
  role: string;
  agencyId: number | null;
  agencyName: string | null;
  grantedAt: Date;
  grantedByLabel: string | null;
  reason: string | null;
}

export interface GrantEvent {
  at: Date;
  kind: 'role' | 'area';
  subject: string;
  change: 'grant' | 'revoke';
  reason: string;
  actorLabel: string;
  agencyName: string | null;
}

export interface AgencyRow {
  id: number;
  code: string;
  name: string;
  active: boolean;
}

export interface AreaGrantRow {
  area: string;
  grantedAt: Date;
  grantedByLabel: string | null;
  reason: string | null;
}

export interface AgencyWithAreas extends AgencyRow {
  areas: string[];
}

export interface RefusedAttempt {
  agencyId: number;
  agencyCode: string;
  agencyName: string;
  area: string;
  attempts: number;
  lastAt: Date;
}

export interface GrantWrite {
  reason: string;
  actorAccountId: number | null;
  actorLabel: string;
}

const personColumns = [
  'a.id as accountId',
  'p.id as personId',
  'p.name',
  'p.national_id as nationalId',
  'a.username',
  'a.email',
  'p.status',
  'p.agency_id as agencyId',
  'g.code as agencyCode',
  'g.name as agencyName',
];

/**
 * The SQL of 權限管理 and 機關授權: people with an account and their role grants, agencies
 * and their area grants, the history of both, and the refused agency-card attempts of the
 * audit trail. Changing role_grant raises the account's roles version (a trigger), which the
 * session read compares.
 */
export function createAccessRepository(db: Db) {
  /** The newest grant history rows matching `where`, with the agency's name. */
  const events = async (where: Record<string, unknown>, limit: number): Promise<GrantEvent[]> => {
    const rows = await db('access_grant_event as e')
      .leftJoin('agency as g', 'g.id', 'e.agency_id')
      .where(where)
      .orderBy('e.id', 'desc')
      .limit(limit)
      .select('e.at', 'e.kind', 'e.subject', 'e.change', 'e.reason', 'e.actor_label', 'g.name as agency_name');
    return rows.map((r: Record<string, unknown>) => camelCased<GrantEvent>(r));
  };
  return {
    transaction: <T>(fn: (trx: Db) => Promise<T>) => db.transaction(fn),

    /**
     * People with an account matching `text` exactly by national ID or account (any case),
     * or by name (part of it), within `agencyIds` ('all' for everyone); at most `limit`.
     */
    async searchPeople(text: string, agencyIds: number[] | 'all', limit: number): Promise<PersonFound[]> {
      const q = db('account as a')
        .join('person as p', 'p.id', 'a.person_id')
        .join('agency as g', 'g.id', 'p.agency_id')
        .where((w) => {
          w.where('p.national_id', text.toUpperCase())
            .orWhereRaw('lower(a.username) = lower(?)', [text])
            .orWhere('p.name', 'like', `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
        })
        .select(
          'a.id as accountId',
          'p.name',
          'p.national_id as nationalId',
          'a.username',
          'p.status',
          'p.agency_id as agencyId',
          'g.code as agencyCode',
          'g.name as agencyName',
          db.raw("coalesce((SELECT array_agg(r.role ORDER BY r.id) FROM role_grant r WHERE r.account_id = a.id), '{}') as roles"),
        )
        .orderBy('p.name')
        .orderBy('a.id')
        .limit(limit);
      if (agencyIds !== 'all') q.whereIn('p.agency_id', agencyIds);
      return q;
    },

    async person(accountId: number, trx: Db = db): Promise<PersonRow | undefined> {
      return trx('account as a')
        .join('person as p', 'p.id', 'a.person_id')
        .join('agency as g', 'g.id', 'p.agency_id')
        .where('a.id', accountId)
        .first(personColumns);
    },

    async roleGrants(accountId: number, trx: Db = db): Promise<RoleGrantRow[]> {
      const rows = await trx('role_grant as r')
        .leftJoin('agency as g', 'g.id', 'r.agency_id')
        .where('r.account_id', accountId)
        .orderBy('r.id')
        .select('r.id', 'r.account_id', 'r.role', 'r.agency_id', 'g.name as agency_name', 'r.granted_at', 'r.granted_by_label', 'r.reason');
      return rows.map((r: Record<string, unknown>) => camelCased<RoleGrantRow>(r));
    },

    /** Inserts the grant; null when the account already holds it. */
    async insertRoleGrant(trx: Db, g: { accountId: number; role: string; agencyId: number | null } & GrantWrite): Promise<number | null> {
      // The unique key counts a null agency as distinct: the check is explicit.
      const held = await trx('role_grant').where({ account_id: g.accountId, role: g.role }).andWhere((w) => (g.agencyId === null ? w.whereNull('agency_id') : w.where('agency_id', g.agencyId))).first('id');
      if (held) return null;
      const [row] = await trx('role_grant')
        .insert({ account_id: g.accountId, role: g.role, agency_id: g.agencyId, granted_by_account_id: g.actorAccountId, granted_by_label: g.actorLabel.slice(0, 100), reason: g.reason })
        .onConflict(['account_id', 'role', 'agency_id'])
        .ignore()
        .returning('id');
      return row ? (row as { id: number }).id : null;
    },

    /** Deletes one grant of the account; the deleted row, or undefined when it was not there. */
    async deleteRoleGrant(trx: Db, accountId: number, grantId: number): Promise<{ role: string; agencyId: number | null } | undefined> {
      const [row] = await trx('role_grant').where({ id: grantId, account_id: accountId }).delete().returning(['role', 'agency_id as agencyId']);
      return row as { role: string; agencyId: number | null } | undefined;
    },

    /** The holders of portal_admin, locked until the transaction ends (two revocations wait for each other). */
    async lockPortalAdmins(trx: Db): Promise<number[]> {
      const rows = await trx('role_grant').where({ role: 'portal_admin' }).forUpdate().select('account_id');
      return [...new Set(rows.map((r: { account_id: number }) => r.account_id))];
    },

    async insertEvent(
      trx: Db,
      e: { kind: 'role' | 'area'; accountId: number | null; agencyId: number | null; subject: string; change: 'grant' | 'revoke' } & GrantWrite,
    ): Promise<void> {
      await trx('access_grant_event').insert({
        kind: e.kind,
        account_id: e.accountId,
        agency_id: e.agencyId,
        subject: e.subject,
        change: e.change,
        reason: e.reason,
        actor_account_id: e.actorAccountId,
        actor_label: e.actorLabel.slice(0, 100),
      });
    },

    async roleEvents(accountId: number, limit = 50): Promise<GrantEvent[]> {
      return events({ 'e.account_id': accountId, 'e.kind': 'role' }, limit);
    },

    // --- 機關授權 ---

    async agency(code: string): Promise<AgencyRow | undefined> {
      return db('agency').where({ code }).first('id', 'code', 'name', 'active');
    },

    /** Agencies by code (exact) or name (part of it), with the areas each may enter. */
    async agencies(text: string, limit: number): Promise<AgencyWithAreas[]> {
      const q = db('agency as g')
        .select('g.id', 'g.code', 'g.name', 'g.active', db.raw("coalesce((SELECT array_agg(r.area ORDER BY r.area) FROM agency_area_grant r WHERE r.agency_id = g.id), '{}') as areas"))
        .orderBy('g.code')
        .limit(limit);
      if (text) q.where((w) => w.where('g.code', text.toUpperCase()).orWhere('g.name', 'like', `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
      return q;
    },

    async areaGrants(agencyId: number): Promise<AreaGrantRow[]> {
      const rows = await db('agency_area_grant').where({ agency_id: agencyId }).orderBy('area').select('area', 'granted_at', 'granted_by_label', 'reason');
      return rows.map((r: Record<string, unknown>) => camelCased<AreaGrantRow>(r));
    },

    /** Grants the area; false when the agency already had it. */
    async insertAreaGrant(trx: Db, g: { agencyId: number; area: string } & GrantWrite): Promise<boolean> {
      const rows = await trx('agency_area_grant')
        .insert({ agency_id: g.agencyId, area: g.area, granted_by_account_id: g.actorAccountId, granted_by_label: g.actorLabel.slice(0, 100), reason: g.reason })
        .onConflict(['agency_id', 'area'])
        .ignore()
        .returning('area');
      return rows.length > 0;
    },

    /** Withdraws the area; false when the agency did not have it. */
    async deleteAreaGrant(trx: Db, agencyId: number, area: string): Promise<boolean> {
      return (await trx('agency_area_grant').where({ agency_id: agencyId, area }).delete()) > 0;
    },

    /** Ends the agency certificate sessions of an agency (its portal access withdrawn). */
    async endAgencySessions(trx: Db, agencyId: number): Promise<number> {
      return trx('session')
        .whereRaw("sess->'passport'->'user'->>'kind' = 'agency'")
        .whereRaw("(sess->'passport'->'user'->>'agencyId')::int = ?", [agencyId])
        .delete();
    },

    async areaEvents(agencyId: number, limit = 50): Promise<GrantEvent[]> {
      return events({ 'e.agency_id': agencyId, 'e.kind': 'area' }, limit);
    },

    /**
     * Agency cards refused since `since`, per agency and area, from the audit trail, for the
     * areas the agency still lacks: the card sign-in refused (portal: auth.certificate,
     * agency_not_authorized), the cloud platform refused (access.denied, area cloud) and
     * 機關徵才登錄 refused (jobs.manage.denied of an agency session). An agency session's
     * actor label ends with its code in full-width brackets (platform/identity/actor.ts).
     */
    async refusedAttempts(since: Date, areas: string[], limit: number): Promise<RefusedAttempt[]> {
      const codeOfLabel = "substring(e.actor_label from '（([A-Z0-9]{10})）$')";
      const refused = db
        .select(db.raw("e.details->>'agencyCode' as code"), db.raw("'portal' as area"), 'e.at')
        .from('audit_event as e')
        .where('e.action', 'auth.certificate')
        .where('e.at', '>=', since)
        .whereRaw("e.details->>'reason' = 'agency_not_authorized'")
        .unionAll((u) =>
          u
            .select(db.raw(`${codeOfLabel} as code`), db.raw("'cloud' as area"), 'e.at')
            .from('audit_event as e')
            .where('e.action', 'access.denied')
            .where('e.at', '>=', since)
            .whereRaw("e.details->>'area' = 'cloud' AND e.details->>'kind' = 'agency'"),
        )
        .unionAll((u) =>
          u
            .select(db.raw(`${codeOfLabel} as code`), db.raw("'jobs' as area"), 'e.at')
            .from('audit_event as e')
            .where('e.action', 'jobs.manage.denied')
            .where('e.at', '>=', since)
            .whereNull('e.actor_account_id')
            .whereRaw("e.details->>'why' = 'forbidden'"),
        );
      const rows = await db
        .from(refused.as('x'))
        .join('agency as g', 'g.code', 'x.code')
        .whereIn('x.area', areas)
        .whereNotExists((w) => w.select(db.raw('1')).from('agency_area_grant as r').whereRaw('r.agency_id = g.id AND r.area = x.area'))
        .groupBy('g.id', 'g.code', 'g.name', 'x.area')
        .orderByRaw('max(x.at) DESC')
        .limit(limit)
        .select('g.id as agencyId', 'g.code as agencyCode', 'g.name as agencyName', 'x.area', db.raw('count(*)::int as attempts'), db.raw('max(x.at) as "lastAt"'));
      return rows as RefusedAttempt[];
    },
  };
}

export type AccessRepository = ReturnType<typeof createAccessRepository>;
