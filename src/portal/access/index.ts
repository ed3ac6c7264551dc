import type { Db } from '../../platform/database';
import type { AuditService } from '../../platform/audit';
import type { MailService } from '../../platform/mail';
import { createAccessRepository } from './repository';
import { createAccessService } from './service';

export { accessRoutes } from './routes';
export type { AccessService } from './service';

/** 權限管理 and 機關授權, built from the platform's database, audit trail and mail. */
export function createAccess(deps: { db: Db; audit: AuditService; mail: MailService; clock?: () => Date }) {
  return createAccessService({ repo: createAccessRepository(deps.db), audit: deps.audit, mail: deps.mail, clock: deps.clock });
}
