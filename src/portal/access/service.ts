import type { AuditService } from '../../platform/audit';
import type { MailService } from '../../platform/mail';
import type { Db } from '../../platform/database';
import { rocDateTime } from '../../platform/dates';
import { DomainError, FormError, NotFoundError } from '../../platform/errors';
import { actorOf } from '../../platform/identity/actor';
import type { RequestContext } from '../../platform/identity/context';
import { HR_ROLES, hasRole, type SessionUser } from '../../platform/identity/sessionUser';
import { ROLE_LABELS } from '../catalog';
import type { AccessRepository, PersonRow, RoleGrantRow } from './repository';
import { AREAS, type Area } from './schemas';

export const AREA_LABELS: Record<Area, string> = {
  portal: '人事服務網（機關憑證登入）',
  cloud: '人事雲端服務平台',
  jobs: '事求人機關徵才系統',
};

/** What an HR supervisor may grant within their agency (seed 003 二(一) 「經授權的人事人員」). */
export const SUPERVISOR_GRANTABLE = ['hr_staff', 'hr_password_reset'];

export const ACCESS_MESSAGES = {
  unknownRole: '無此角色，請重新選擇',
  ownAccount: '不可變更自己的權限，請洽其他管理者辦理',
  supervisorOnly: '人事主管僅能授權本機關之「人事人員」及「經授權之人事人員（協助設定密碼）」；其他角色請洽人事服務網管理者',
  alreadyHeld: '此人員已具有此角色',
  retired: '此人員已卸職，不可授權',
  lastAdmin: '不可取消最後一位人事服務網管理者的權限，請先授權另一位管理者',
  noPerson: '查無此人員',
  noGrant: '查無此授權',
  platformCloudOnly: '銓敘部管理者僅能管理人事雲端服務平台之機關授權',
  areaHeld: '此機關已具有此授權',
  areaMissing: '此機關尚未具有此授權',
  agencyInactive: '此機關已停用，不可授權',
  noAgency: '查無此機關',
};

/** Refused agency cards are listed from this many days of the audit trail. */
export const REFUSED_DAYS = 30;

type Reach = { all: true } | { all: false; agencyIds: number[] };

/**
 * 權限管理 (roles of people) and 機關授權 (areas of agencies). Portal administrators grant
 * every role to anyone; an HR supervisor grants 人事人員 and 經授權之人事人員 to the people of
 * their own agency only, never to themselves; the last portal administrator stays. Every
 * change is one transaction with its history row and audit entry, and is mailed to the person.
 * A change takes effect on the person's next request (the roles version, see setUpSession).
 */
export function createAccessService(deps: { repo: AccessRepository; audit: AuditService; mail: MailService; clock?: () => Date }) {
  const { repo, audit, mail } = deps;
  const clock = deps.clock ?? (() => new Date());

  function reach(user: SessionUser): Reach | null {
    if (user.kind !== 'person') return null;
    if (hasRole(user, 'portal_admin')) return { all: true };
    const agencyIds = [...new Set(user.roles.filter((r) => r.role === 'hr_supervisor').map((r) => r.agencyId ?? user.agencyId))];
    return agencyIds.length ? { all: false, agencyIds } : null;
  }
  const within = (r: Reach | null, agencyId: number | null) => Boolean(r && (r.all || (agencyId !== null && r.agencyIds.includes(agencyId))));

  /** The roles this user may grant or take away (for the person's agency). */
  function grantableRoles(user: SessionUser): string[] {
    const r = reach(user);
    if (!r) return [];
    return r.all ? Object.keys(ROLE_LABELS) : SUPERVISOR_GRANTABLE;
  }

  function mayTouch(user: SessionUser, person: PersonRow, g: { role: string; agencyId: number | null }): boolean {
    const r = reach(user);
    if (!r) return false;
    if (r.all) return true;
    return SUPERVISOR_GRANTABLE.includes(g.role) && within(r, g.agencyId ?? person.agencyId) && person.accountId !== user.accountId;
  }

  const denied = (user: SessionUser, action: string, accountOrAgency: { type: string; id: string | number }, ctx: RequestContext, details: Record<string, unknown>) =>
    audit.record({ actor: actorOf(user), action, outcome: 'denied', target: accountOrAgency, ip: ctx.ip, requestId: ctx.requestId, details });

  /** The person behind `accountId` if within the user's reach; otherwise a 404, audited, that says no more than "none". */
  async function personInReach(user: SessionUser, accountId: number, ctx: RequestContext, action: string): Promise<PersonRow> {
    const person = await repo.person(accountId);
    if (!person || !within(reach(user), person.agencyId)) {
      await denied(user, action, { type: 'account', id: accountId }, ctx, { reason: person ? 'out_of_reach' : 'no_account' });
      throw new NotFoundError(ACCESS_MESSAGES.noPerson);
    }
    return person;
  }

  function changeMail(person: PersonRow, to: string, change: 'grant' | 'revoke', role: string, agencyName: string | null, reason: string, actor: string, at: Date) {
    const label = `${ROLE_LABELS[role] ?? role}${agencyName ? `（${agencyName}）` : ''}`;
    return {
      to,
      subject: '【人事服務網】權限異動通知',
      text: [
        `${person.name} 您好：`,
        '',
        `${actor} 已於 ${rocDateTime(at)} ${change === 'grant' ? '授予您' : '取消您的'}「${label}」權限。`,
        `原因：${reason}`,
        '',
        '此異動自您下一次使用人事服務網時生效。如非您所預期，請洽貴機關人事單位或人事服務網管理者。',
        '',
        '行政院人事行政總處 人事服務網（本郵件由系統自動發送，請勿直接回覆）',
      ].join('\n'),
    };
  }

  async function agencyNameOf(grants: RoleGrantRow[], agencyId: number | null, person: PersonRow) {
    if (agencyId === null) return null;
    return grants.find((g) => g.agencyId === agencyId)?.agencyName ?? (agencyId === person.agencyId ? person.agencyName : null);
  }

  /** The areas this user manages: portal administrators all, 銓敘部管理者 the cloud platform. */
  function manageableAreas(user: SessionUser): Area[] {
    if (user.kind !== 'person') return [];
    if (hasRole(user, 'portal_admin')) return [...AREAS];
    if (hasRole(user, 'platform_admin')) return ['cloud'];
    return [];
  }

  async function agencyView(code: string) {
    const agency = /^[A-Z0-9]{10}$/.test(code) ? await repo.agency(code) : undefined;
    if (!agency) throw new NotFoundError(ACCESS_MESSAGES.noAgency);
    return { agency, grants: await repo.areaGrants(agency.id), events: await repo.areaEvents(agency.id) };
  }

  return {
    reach,
    grantableRoles,

    /** People with an account matching `text`, within the user's reach (nothing outside, not even a hint). */
    async search(user: SessionUser, text: string) {
      const r = reach(user);
      if (!r || !text) return [];
      return repo.searchPeople(text, r.all ? 'all' : r.agencyIds, 30);
    },

    async person(user: SessionUser, accountId: number, ctx: RequestContext) {
      const person = await personInReach(user, accountId, ctx, 'access.person_view');
      const grants = await repo.roleGrants(accountId);
      return {
        person,
        grants: grants.map((g) => ({ ...g, revocable: mayTouch(user, person, g) })),
        events: await repo.roleEvents(accountId),
        grantable: person.accountId === user.accountId ? [] : grantableRoles(user),
        self: person.accountId === user.accountId,
      };
    },

    async grantRole(user: SessionUser, accountId: number, input: { role: string; reason: string }, ctx: RequestContext) {
      const person = await personInReach(user, accountId, ctx, 'access.role_grant');
      if (!ROLE_LABELS[input.role]) throw new FormError({ role: ACCESS_MESSAGES.unknownRole });
      if (person.accountId === user.accountId) {
        await denied(user, 'access.role_grant', { type: 'account', id: accountId }, ctx, { reason: 'own_account', role: input.role });
        throw new DomainError('own_account', ACCESS_MESSAGES.ownAccount, 403, 'role');
      }
      const agencyId = HR_ROLES.includes(input.role) ? person.agencyId : null;
      if (!grantableRoles(user).includes(input.role) || !mayTouch(user, person, { role: input.role, agencyId })) {
        await denied(user, 'access.role_grant', { type: 'account', id: accountId }, ctx, { reason: 'role_not_allowed', role: input.role });
        throw new DomainError('role_not_allowed', ACCESS_MESSAGES.supervisorOnly, 403, 'role');
      }
      if (person.status !== '在職') throw new FormError({ role: ACCESS_MESSAGES.retired });
      const actor = actorOf(user);
      const now = clock();
      await repo.transaction(async (trx: Db) => {
        const id = await repo.insertRoleGrant(trx, { accountId, role: input.role, agencyId, reason: input.reason, actorAccountId: actor.accountId, actorLabel: actor.label });
        if (id === null) throw new FormError({ role: ACCESS_MESSAGES.alreadyHeld });
        await repo.insertEvent(trx, { kind: 'role', accountId, agencyId, subject: input.role, change: 'grant', reason: input.reason, actorAccountId: actor.accountId, actorLabel: actor.label });
        await audit.record(
          { actor, action: 'access.role_grant', target: { type: 'account', id: accountId }, ip: ctx.ip, requestId: ctx.requestId, details: { role: input.role, agencyId, reason: input.reason, mailed: Boolean(person.email) } },
          trx,
        );
        const agencyName = agencyId === null ? null : person.agencyName;
        return person.email ? mail.queue(changeMail(person, person.email, 'grant', input.role, agencyName, input.reason, actor.label, now), trx) : null;
      });
      return { person, role: input.role };
    },

    async revokeRole(user: SessionUser, accountId: number, grantId: number, input: { revokeReason: string }, ctx: RequestContext) {
      const person = await personInReach(user, accountId, ctx, 'access.role_revoke');
      const grants = await repo.roleGrants(accountId);
      const grant = grants.find((g) => g.id === grantId);
      if (!grant) throw new NotFoundError(ACCESS_MESSAGES.noGrant);
      if (!mayTouch(user, person, grant)) {
        const self = person.accountId === user.accountId;
        await denied(user, 'access.role_revoke', { type: 'account', id: accountId }, ctx, { reason: self ? 'own_account' : 'role_not_allowed', role: grant.role });
        throw new DomainError('role_not_allowed', self ? ACCESS_MESSAGES.ownAccount : ACCESS_MESSAGES.supervisorOnly, 403, 'revokeReason');
      }
      const actor = actorOf(user);
      const now = clock();
      const agencyName = await agencyNameOf(grants, grant.agencyId, person);
      await repo.transaction(async (trx: Db) => {
        if (grant.role === 'portal_admin') {
          const admins = await repo.lockPortalAdmins(trx);
          if (admins.filter((id) => id !== accountId).length === 0) {
            throw new DomainError('last_admin', ACCESS_MESSAGES.lastAdmin, 409, 'revokeReason');
          }
        }
        const gone = await repo.deleteRoleGrant(trx, accountId, grantId);
        if (!gone) throw new NotFoundError(ACCESS_MESSAGES.noGrant);
        await repo.insertEvent(trx, { kind: 'role', accountId, agencyId: gone.agencyId, subject: gone.role, change: 'revoke', reason: input.revokeReason, actorAccountId: actor.accountId, actorLabel: actor.label });
        await audit.record(
          { actor, action: 'access.role_revoke', target: { type: 'account', id: accountId }, ip: ctx.ip, requestId: ctx.requestId, details: { role: gone.role, agencyId: gone.agencyId, reason: input.revokeReason, mailed: Boolean(person.email) } },
          trx,
        );
        return person.email ? mail.queue(changeMail(person, person.email, 'revoke', gone.role, agencyName, input.revokeReason, actor.label, now), trx) : null;
      });
      return { person, role: grant.role };
    },

    // --- 機關授權 ---

    manageableAreas,

    agencies: (text: string) => repo.agencies(text, 50),

    refused(user: SessionUser) {
      const areas = manageableAreas(user);
      if (!areas.length) return Promise.resolve([]);
      return repo.refusedAttempts(new Date(clock().getTime() - REFUSED_DAYS * 86_400_000), areas, 50);
    },

    agency: agencyView,

    async changeArea(user: SessionUser, code: string, input: { area: Area; change: 'grant' | 'revoke'; reason: string }, ctx: RequestContext) {
      const { agency } = await agencyView(code);
      if (!manageableAreas(user).includes(input.area)) {
        await denied(user, `access.area_${input.change}`, { type: 'agency', id: agency.code }, ctx, { reason: 'area_not_allowed', area: input.area });
        throw new DomainError('area_not_allowed', ACCESS_MESSAGES.platformCloudOnly, 403, 'area');
      }
      if (input.change === 'grant' && !agency.active) throw new FormError({ area: ACCESS_MESSAGES.agencyInactive });
      const actor = actorOf(user);
      await repo.transaction(async (trx: Db) => {
        let endedSessions = 0;
        if (input.change === 'grant') {
          const added = await repo.insertAreaGrant(trx, { agencyId: agency.id, area: input.area, reason: input.reason, actorAccountId: actor.accountId, actorLabel: actor.label });
          if (!added) throw new FormError({ area: ACCESS_MESSAGES.areaHeld });
        } else {
          if (!(await repo.deleteAreaGrant(trx, agency.id, input.area))) throw new FormError({ area: ACCESS_MESSAGES.areaMissing });
          // The cloud platform and 機關徵才登錄 check the grant on every request; the card sign-in
          // only once, so the agency's open card sessions end with its portal access.
          if (input.area === 'portal') endedSessions = await repo.endAgencySessions(trx, agency.id);
        }
        await repo.insertEvent(trx, { kind: 'area', accountId: null, agencyId: agency.id, subject: input.area, change: input.change, reason: input.reason, actorAccountId: actor.accountId, actorLabel: actor.label });
        await audit.record(
          { actor, action: `access.area_${input.change}`, target: { type: 'agency', id: agency.code }, ip: ctx.ip, requestId: ctx.requestId, details: { area: input.area, reason: input.reason, endedSessions } },
          trx,
        );
      });
      return agency;
    },
  };
}

export type AccessService = ReturnType<typeof createAccessService>;
