import { auditSource, type AuditService } from '../../platform/audit';
import { taipeiToday } from '../../platform/dates';
import { DomainError, ForbiddenError, FormError, NotFoundError } from '../../platform/errors';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { Db } from '../../platform/database';
import type { PollInput } from './schemas';
import type { Poll, PollRepository } from './pollRepository';

/**
 * 主題投票: administrators create a poll as a draft (its options editable until it opens),
 * open it and close it, early if they wish; people vote once while it is open and within its dates.
 */
export function createPollService(deps: { repo: PollRepository; audit: AuditService; clock?: () => Date }) {
  const { repo, audit } = deps;
  const clock = deps.clock ?? (() => new Date());
  const record = (user: SessionUser, action: string, id: number, ctx: RequestContext, details: Record<string, unknown> = {}, trx?: Db) =>
    audit.record({ ...auditSource(user, ctx), action, target: { type: 'poll', id }, details }, trx);
  const isOpen = (p: { status: string; openFrom: string; openTo: string }, today: string) => p.status === 'open' && p.openFrom <= today && p.openTo >= today;
  const total = (p: Poll) => p.options.reduce((s, o) => s + o.votes, 0);

  async function mustFind(id: number): Promise<Poll> {
    const p = await repo.find(id);
    if (!p) throw new NotFoundError('查無此投票');
    return p;
  }

  async function change(id: number, fn: (trx: Db, p: Poll) => Promise<void>) {
    await repo.transaction(async (trx) => {
      const p = await repo.lock(trx, id);
      if (!p) throw new NotFoundError('查無此投票');
      await fn(trx, p);
    });
  }

  return {
    // --- 主題投票 (public) ---
    async polls() {
      const today = taipeiToday(clock());
      return (await repo.list(false)).map((p) => ({ ...p, open: isOpen(p, today) }));
    },

    /** A poll that is not a draft, with this user's vote. */
    async poll(id: number, user?: SessionUser) {
      const p = await mustFind(id);
      if (p.status === 'draft') throw new NotFoundError('查無此投票');
      const myVote = user && user.kind === 'person' ? await repo.myVote(id, user.accountId) : null;
      return { ...p, open: isOpen(p, taipeiToday(clock())), myVote, total: total(p) };
    },

    async vote(user: SessionUser, pollId: number, optionId: number, ctx: RequestContext) {
      if (user.kind !== 'person') {
        // An agency certificate session is no voter.
        await audit.record({ ...auditSource(user, ctx), action: 'poll.vote', outcome: 'denied', target: { type: 'poll', id: pollId }, details: { kind: user.kind } });
        throw new ForbiddenError('機關憑證不能投票，請以個人帳號或自然人憑證登入。');
      }
      await repo.transaction(async (trx) => {
        // FOR SHARE: closing waits for the votes being counted, and votes after it are refused.
        const p = await repo.lock(trx, pollId, 'share');
        if (!p || p.status === 'draft') throw new NotFoundError('查無此投票');
        if (!isOpen(p, taipeiToday(clock()))) throw new DomainError('closed', '此投票不在開放期間', 409);
        if (!p.options.some((o) => o.id === optionId)) throw new FormError({ optionId: '請選擇一個選項' });
        if (!(await repo.vote(trx, pollId, user.accountId, optionId))) throw new DomainError('voted', '您已投過票，每人限投一次', 409);
        await record(user, 'poll.vote', pollId, ctx, {}, trx);
      });
    },

    // --- 投票管理 ---
    list: () => repo.list(true),
    async get(id: number) {
      const p = await mustFind(id);
      return { ...p, open: isOpen(p, taipeiToday(clock())), total: total(p) };
    },

    async create(user: SessionUser, input: PollInput, ctx: RequestContext): Promise<number> {
      return repo.transaction(async (trx) => {
        const id = await repo.insert(trx, input, input.options, user.accountId);
        await record(user, 'poll.create', id, ctx, { title: input.title, options: input.options.length }, trx);
        return id;
      });
    },

    async update(user: SessionUser, id: number, input: PollInput, ctx: RequestContext) {
      await change(id, async (trx, p) => {
        if (p.status !== 'draft') throw new DomainError('frozen', '投票已開始，不可再修改', 409);
        await repo.update(trx, id, input, input.options);
        await record(user, 'poll.update', id, ctx, { title: input.title, options: input.options.length }, trx);
      });
    },

    async open(user: SessionUser, id: number, ctx: RequestContext) {
      await change(id, async (trx, p) => {
        if (p.status !== 'draft') throw new DomainError('not_draft', p.status === 'open' ? '投票已開放' : '投票已結束', 409);
        if (p.openTo < taipeiToday(clock())) throw new DomainError('past', '截止日期已過，請先修改投票的截止日期', 422, 'status');
        await repo.setStatus(trx, id, 'open', clock());
        await record(user, 'poll.open', id, ctx, {}, trx);
      });
    },

    async close(user: SessionUser, id: number, ctx: RequestContext) {
      await change(id, async (trx, p) => {
        if (p.status !== 'open') throw new DomainError('not_open', p.status === 'draft' ? '投票尚未開放' : '投票已結束', 409);
        await repo.setStatus(trx, id, 'closed', clock());
        await record(user, 'poll.close', id, ctx, { votes: total(p) }, trx);
      });
    },
  };
}

export type PollService = ReturnType<typeof createPollService>;
