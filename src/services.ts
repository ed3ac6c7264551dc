import type { Config } from './config';
import type { Db } from './platform/database';
import type { Logger } from './platform/logger';
import { createAuditService } from './platform/audit';
import { createMailService } from './platform/mail';
import { createAccountRepository } from './auth/repository';
import { createAuthService } from './auth/service';
import { createPortalRepository } from './portal/repository';
import { createPortalService } from './portal/service';
import { createAdminService } from './admin/service';
import { createCardRepository } from './auth/cardRepository';
import { createCardLoginService } from './auth/cardLogin';
import { TrustStore } from './pki/verify';

/** Builds every service from the database client; tests pass their own clock. */
export function createServices(db: Db, config: Config, logger: Logger, opts: { clock?: () => Date } = {}) {
  const audit = createAuditService(db);
  const mail = createMailService(db, { smtpUrl: config.smtpUrl, from: config.mailFrom, logger });
  const accounts = createAccountRepository(db);
  const portal = createPortalRepository(db);
  const portalService = createPortalService({ portal, audit, clock: opts.clock });
  let trust: TrustStore | null = null;
  const trustStore = () => (trust ??= TrustStore.fromDirectory(config.pkiDir));
  return {
    db,
    audit,
    mail,
    accounts,
    auth: createAuthService({ db, accounts, audit, mail, clock: opts.clock }),
    portal: portalService,
    admin: createAdminService({ portal, portalService, audit }),
    cardLogin: createCardLoginService({ db, cards: createCardRepository(db), accounts, audit, trust: trustStore, origin: config.publicOrigin, clock: opts.clock }),
  };
}

export type Services = ReturnType<typeof createServices>;
