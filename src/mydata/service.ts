import type { MydataDeps } from './deps';
import { deniedRecorder, hrAgencies, isHr } from './access';
import { HOME_ANNOUNCEMENTS, MYDATA_ANNOUNCEMENTS } from './contentKinds';
import { createRecordRepository } from './record/repository';
import { createRecordService } from './record/service';
import { createCorrectionsService } from './corrections/service';
import { createResumeService } from './resume/service';
import { createDocumentsService } from './documents/service';
import { GENDERS } from './sections';

/**
 * 公務人員個人資料服務網, journey by journey: the record and pay (record/), corrections with
 * HR's four-eyes review (corrections/), the self-description and resume (resume/), consent,
 * the personal folder and HR's documents (documents/); the home page's 公告 are a kind of
 * the content module (contentKinds.ts).
 */
export function createMydataService(core: MydataDeps) {
  const records = createRecordRepository(core.db);
  const denied = deniedRecorder(core.audit);
  const record = createRecordService(records);
  const corrections = createCorrectionsService(core, records, denied);
  const resume = createResumeService(core, records);
  const documents = createDocumentsService(core, records, denied);

  return {
    record,
    corrections,
    resume,
    documents,
    /** For 事求人: an applicant's resume (the MyData resume PDF, with the applicant's extra text). */
    resumePdf: resume.resumePdf,
    verifySignature: documents.verifySignature,
    hrAgencies,
    isHr,
    /** The home page's 公告: the latest published ones (content module, kind mydata.announcements). */
    announcements: () => core.content.latest(MYDATA_ANNOUNCEMENTS, { limit: HOME_ANNOUNCEMENTS }),
    genders: GENDERS,
  };
}

export type MydataService = ReturnType<typeof createMydataService>;
