import { actorOf } from '../../platform/identity/actor';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import { NotFoundError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import type { MydataDeps } from '../deps';
import { resumeBuffer } from '../pdf';
import type { RecordRepository } from '../record/repository';
import { createResumeRepository } from './repository';
import { selfDescriptionSchema } from './schemas';

/** 簡要自述維護 and 履歷表下載; `resumePdf` also serves 事求人 (an applicant's resume). */
export function createResumeService(core: Pick<MydataDeps, 'db' | 'audit' | 'clock'>, records: RecordRepository) {
  const { db, audit, clock } = core;
  const repo = createResumeRepository(db);

  async function resumePdf(personId: number, opts: { extraText?: string } = {}): Promise<Buffer> {
    const record = await records.record(personId);
    if (!record) throw new NotFoundError('查無人事資料');
    const self = await repo.selfDescription(personId);
    return resumeBuffer(record, self?.body ?? null, { extraText: opts.extraText, printedAt: clock() });
  }

  return {
    resumePdf,

    async resumeFor(u: SessionUser, ctx: RequestContext) {
      const pdf = await resumePdf(u.personId);
      await audit.record({ actor: actorOf(u), action: 'mydata.resume.download', target: { type: 'person', id: u.personId }, ip: ctx.ip, requestId: ctx.requestId });
      return pdf;
    },

    async selfDescription(personId: number) {
      const [current, history] = await Promise.all([repo.selfDescription(personId), repo.selfDescriptionHistory(personId)]);
      return { current: current ?? null, history };
    },

    async saveSelfDescription(u: SessionUser, body: unknown, ctx: RequestContext) {
      const input = parseForm(selfDescriptionSchema, body);
      await db.transaction(async (trx) => {
        await repo.saveSelfDescription(trx, u.personId, input.body, u.accountId, clock());
        await audit.record({ actor: actorOf(u), action: 'mydata.self_description.save', target: { type: 'person', id: u.personId }, ip: ctx.ip, requestId: ctx.requestId, details: { length: [...input.body].length } }, trx);
      });
    },
  };
}

export type ResumeService = ReturnType<typeof createResumeService>;
