import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';
import { connectionUrl, type Db } from './platform/database';
import type { Logger } from './platform/logger';
import type { Lifecycle } from './platform/deps';
import { notAfterNow } from './platform/scheduler';
import { createAuditService } from './platform/audit';
import { createMailService } from './platform/mail';
import { createUploadStore } from './platform/uploads';
import { createJobQueue } from './platform/queue';
import { createRateLimitRepository } from './platform/web/rateLimitRepository';
import { createSessionRepository } from './platform/web/sessionRepository';
import { createMetrics } from './platform/metrics';
import { createVerificationService } from './platform/verification';
import { createContentService } from './platform/content';
import { CONTENT_KINDS as PICS_CONTENT_KINDS } from './pics/content/contentKinds';
import { CLOUD_CONTENT_KINDS } from './cloud/site/contentKinds';
import { PORTAL_KINDS } from './portal/contentKinds';
import { MYDATA_KINDS } from './mydata/contentKinds';
import { createIdentity } from './platform/identity';
import { createAccountRepository } from './auth/repository';
import { createAuthService } from './auth/service';
import { createPortalRepository } from './portal/repository';
import { createPortalService } from './portal/service';
import { createAdminService } from './portal/admin/service';
import { createAccess } from './portal/access';
import { createSurveyServices } from './portal/surveys';
import { createCardRepository } from './auth/cardRepository';
import { createCardLoginService } from './auth/cardLogin';
import { createIdentityCheck } from './platform/pki/identityCheck';
import { TrustStore } from './platform/pki/verify';
import type { Crl } from './platform/pki/crl';
import { createCrlRefresh } from './platform/pki/crlRefresh';
import { createPicsServices, picsJobs } from './pics';
import { createCloudServices, cloudJobs } from './cloud';
import { createJobsServices, jobsJobs } from './jobs';
import { createMydataServices, mydataJobs } from './mydata';
import { createMessagesServices, messagesJobs } from './portal/messages';
import { createCardsServices, cardsJobs } from './portal/cards';
import type { authRoutes } from './auth/routes';
import type { cardRoutes } from './auth/cardRoutes';
import type { portalRoutes } from './portal/routes';
import type { adminRoutes } from './portal/admin/routes';
import type { verificationRoutes } from './platform/verificationRoutes';
import type { picsRoutes } from './pics';
import type { cloudRoutes } from './cloud';
import type { jobsRoutes } from './jobs';
import type { mydataRoutes } from './mydata';
import type { messagesRoutes } from './portal/messages';
import type { cardsRoutes } from './portal/cards';
import { createChangeFeed } from './platform/changeFeed';
import { createReadCache, keepReadsFor } from './platform/readCache';

function trustFilesStamp(dir: string): string {
  return ['crl.pem', 'ca/moica.pem', 'ca/gca.pem', 'ca/nhi.pem']
    .map((f) => {
      try {
        const st = fs.statSync(path.join(dir, f));
        return `${st.mtimeMs}:${st.size}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}

/**
 * The keys of T, listed once at run time: the compiler refuses a list that leaves one out
 * or names one T does not declare.
 */
const keysOf =
  <T>() =>
  <const K extends readonly (keyof T & string)[]>(keys: K & (Exclude<keyof T, K[number]> extends never ? unknown : never)): K =>
    keys;

/**
 * What each area's routes (and scheduled work) are handed: what its route factory declares
 * (its deps.ts, plus its own services) and nothing else. test/routes/route-deps.test.ts checks
 * the objects app.ts mounts against these lists.
 */
export const ROUTE_DEPS = {
  auth: keysOf<Parameters<typeof authRoutes>[0] & Parameters<typeof cardRoutes>[0]>()(['db', 'audit', 'auth', 'cardLogin', 'forgetCaches']),
  portal: keysOf<Parameters<typeof portalRoutes>[0]>()(['portal', 'surveys']),
  admin: keysOf<Parameters<typeof adminRoutes>[0]>()(['mail', 'audit', 'clock', 'content', 'admin', 'access', 'surveys']),
  verification: keysOf<Parameters<typeof verificationRoutes>[0]>()(['verification']),
  pics: keysOf<Parameters<typeof picsRoutes>[0]>()(['db', 'config', 'logger', 'clock', 'audit', 'mail', 'uploads', 'lifecycle', 'content', 'pics']),
  cloud: keysOf<Parameters<typeof cloudRoutes>[0]>()(['db', 'config', 'logger', 'clock', 'audit', 'mail', 'uploads', 'verification', 'identity', 'content', 'cardLogin', 'cloud']),
  jobs: keysOf<Parameters<typeof jobsRoutes>[0]>()(['db', 'config', 'clock', 'audit', 'mail', 'uploads', 'identity', 'logger', 'resumePdf', 'jobs', 'scheduler']),
  mydata: keysOf<Parameters<typeof mydataRoutes>[0]>()(['db', 'config', 'clock', 'audit', 'uploads', 'verification', 'content', 'mydata']),
  messages: keysOf<Parameters<typeof messagesRoutes>[0]>()(['audit', 'uploads', 'messages']),
  cards: keysOf<Parameters<typeof cardsRoutes>[0]>()(['audit', 'uploads', 'cards']),
};

/** The services every area builds on. */
function createCoreServices(db: Db, config: Config, logger: Logger, opts: { clock?: () => Date }) {
  const clock = opts.clock ?? (() => new Date());
  const audit = createAuditService(db);
  // The job queue (pg-boss on this database): mail, the areas' scheduled work, digest batches.
  const scheduler = createJobQueue(db, logger, {
    clock,
    namespace: config.queueNamespace,
    concurrency: config.queueConcurrency,
    pollSeconds: config.queuePollSeconds,
    jobTimeoutSeconds: config.jobTimeoutSeconds,
    maintenanceSeconds: config.queueMaintenanceSeconds,
  });
  const mail = createMailService(db, {
    smtpUrl: config.smtpUrl,
    from: config.mailFrom,
    logger,
    secretKey: config.mailSecretKey,
    developmentOutbox: config.developmentOutbox,
    queue: scheduler,
    audit,
    maxAttempts: config.mailMaxAttempts,
    retryDelaySeconds: config.mailRetryDelaySeconds,
    poolSize: config.smtpPoolSize,
    timeoutMs: config.smtpTimeoutMs,
  });
  const accounts = createAccountRepository(db);
  const identity = createIdentity({ db, audit });
  const portal = createPortalRepository(db);
  const content = createContentService({ db, audit, clock, kinds: [...PICS_CONTENT_KINDS, ...CLOUD_CONTENT_KINDS, ...PORTAL_KINDS, ...MYDATA_KINDS] });
  const portalService = createPortalService({ portal, content, audit, clock: opts.clock });
  // The home page's latest announcements are cached: a change shows at once.
  content.onChange((kind) => {
    if (kind.site === 'portal') portalService.forgetCaches();
  });
  // The trust store (CA certificates and CRLs) is read again when its files change, so a
  // CRL refresh or a new CA certificate needs no restart; checked at most once a minute.
  // CRLs the portal downloads itself (CRL_URLS) are added to it off the request path.
  let trust: TrustStore | null = null;
  let trustStamp = '';
  let trustCheckedAt = 0;
  let fetchedCrls: Crl[] = [];
  const trustOptions = {
    stalePolicy: config.crlStalePolicy,
    onStale: (ca: string, nextUpdate: Date) => logger.warn({ ca, nextUpdate }, 'card accepted on a CRL past its nextUpdate (CRL_STALE_POLICY=allow-with-warning)'),
  };
  const trustStore = () => {
    const now = Date.now();
    if (trust && now - trustCheckedAt < 60_000) return trust;
    trustCheckedAt = now;
    const stamp = trustFilesStamp(config.pkiDir);
    if (!trust || stamp !== trustStamp) {
      trust = TrustStore.fromDirectory(config.pkiDir, fetchedCrls, trustOptions);
      trustStamp = stamp;
    }
    return trust;
  };
  const crls = createCrlRefresh({
    db,
    logger,
    sources: config.crlUrls,
    timeoutMs: config.crlFetchTimeoutMs,
    trust: trustStore,
    clock,
    // One new trust store with the new CRLs, swapped in by one assignment.
    onLoaded: (loaded) => {
      fetchedCrls = loaded;
      trust = TrustStore.fromDirectory(config.pkiDir, fetchedCrls, trustOptions);
    },
    onFetched: (ca, result) => metrics.crlFetches.inc({ ca, result }),
  });
  const closers: Array<() => Promise<void>> = [];
  const drainers: Array<() => void> = [];
  const stopScheduler = async () => {
    await scheduler.stop(config.shutdownGraceMs);
    mail.close();
  };
  const metrics = createMetrics({ db, logger, clock, queueName: scheduler.queueName, crls: () => trustStore().crls() });
  // One LISTEN connection per instance for all it keeps between requests: the sessions it
  // read (platform/web/sessionCache.ts) and the repositories' kept reads (platform/readCache.ts).
  const changes = createChangeFeed(connectionUrl(db), { onError: (err) => logger.warn({ err }, 'change feed connection lost') });
  keepReadsFor(db, createReadCache(changes, { onRead: (source) => metrics.keptReads.inc({ source }) }));
  closers.push(() => changes.close());
  const lifecycle: Lifecycle = {
    onClose(fn: () => Promise<void>) {
      closers.push(fn);
    },
    async close() {
      await stopScheduler();
      for (const fn of closers.splice(0).reverse()) await fn();
    },
    onDrain(fn: () => void) {
      drainers.push(fn);
    },
    drain() {
      for (const fn of drainers) fn();
    },
  };
  return {
    db,
    /** Areas that hold resources (a LISTEN connection, timers) register how to let them go. */
    lifecycle,
    config,
    logger,
    clock,
    audit,
    mail,
    identity,
    /** Uploaded and generated files, outside the web root. */
    uploads: createUploadStore(config.uploadDir),
    /** The job queue: the areas' scheduled jobs (`add`), work queues (`define`, `send`). */
    scheduler,
    /** Prometheus metrics of this instance (GET /metrics, METRICS_ALLOW). */
    metrics,
    /** What this instance hears of committed changes, for what it keeps between requests. */
    changes,
    /** The content every site's editors keep (src/platform/content). */
    content,
    /** Verification codes of issued documents (the public /verify page). */
    verification: createVerificationService(db, { clock }),
    trustStore,
    /** The CRLs the portal downloads (CRL_URLS) and every instance loads. */
    crls,
    auth: createAuthService({ db, accounts, audit, mail, clock: opts.clock }),
    portal: portalService,
    admin: createAdminService({ portal, audit }),
    /** 權限管理 and 機關授權 (src/portal/access). */
    access: createAccess({ db, audit, mail, clock: opts.clock }),
    /** 問卷 and 主題投票: the people's side and 問卷管理 / 投票管理. */
    surveys: createSurveyServices({ db, audit, clock: opts.clock }),
    cardLogin: createCardLoginService({ db, cards: createCardRepository(db), accounts, audit, trust: trustStore, identity: createIdentityCheck(config.identityCheck, config.pkiDir), grants: identity, origin: config.publicOrigin, clock: opts.clock }),
  };
}

export type CoreServices = ReturnType<typeof createCoreServices>;

/** Builds every service from the database client; tests pass their own clock. */
export function createServices(db: Db, config: Config, logger: Logger, opts: { clock?: () => Date } = {}) {
  const core = createCoreServices(db, config, logger, opts);
  /** Each area gets the platform services it declares (its deps.ts), and nothing else. */
  const pick = <K extends keyof CoreServices>(...keys: K[]) => Object.fromEntries(keys.map((k) => [k, core[k]])) as Pick<CoreServices, K>;
  const mydata = createMydataServices(pick('db', 'config', 'clock', 'audit', 'uploads', 'verification', 'content'));
  const messages = createMessagesServices(pick('db', 'config', 'clock', 'audit', 'mail', 'uploads'));
  const services = {
    ...core,
    pics: createPicsServices(pick('db', 'config', 'logger', 'clock', 'audit', 'mail', 'uploads', 'lifecycle', 'content')),
    // cloud → auth: an application is signed with the agency card through the card login.
    cloud: createCloudServices({ ...pick('db', 'config', 'logger', 'clock', 'audit', 'mail', 'uploads', 'verification', 'identity', 'content'), cardLogin: core.cardLogin }),
    // jobs → mydata: an applicant's resume is the MyData resume PDF.
    jobs: createJobsServices({ ...pick('db', 'config', 'clock', 'audit', 'mail', 'uploads', 'identity', 'logger', 'scheduler'), resumePdf: mydata.resumePdf }),
    mydata,
    /** 網頁訊息 (e公務), 通訊錄, 群組設定, 簽名檔設定 of 我的專區. */
    messages,
    /** 電子賀卡 of 我的專區, sent as 網頁訊息 (cards → messages: recipients and storage). */
    cards: createCardsServices({ ...pick('db', 'clock', 'audit', 'uploads'), messages }),
    /** jobs → mydata, for the 事求人 pages (the applicant's resume). */
    resumePdf: mydata.resumePdf,
    /** auth → portal: signing in or out makes the portal forget its per-user caches. */
    forgetCaches: () => core.portal.forgetCaches(),
  };
  /** Copies the listed members of `from` into a new object: an area sees exactly what it declared. */
  const only = <T, K extends keyof T>(from: T, keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>;
  /** The objects app.ts hands each area's routes, built from ROUTE_DEPS. */
  const routes = {
    auth: only(services, ROUTE_DEPS.auth),
    portal: only(services, ROUTE_DEPS.portal),
    admin: only(services, ROUTE_DEPS.admin),
    verification: only(services, ROUTE_DEPS.verification),
    pics: only(services, ROUTE_DEPS.pics),
    cloud: only(services, ROUTE_DEPS.cloud),
    jobs: only(services, ROUTE_DEPS.jobs),
    mydata: only(services, ROUTE_DEPS.mydata),
    messages: only(services, ROUTE_DEPS.messages),
    cards: only(services, ROUTE_DEPS.cards),
  };
  core.scheduler.add({
    name: 'uploads.sweep',
    dailyAt: '03:00',
    run: async () => ({ incoming: await core.uploads.sweepIncoming(), orphans: await core.uploads.sweepOrphans(db, config.uploadOrphanMs) }),
  });
  if (config.crlUrls.length) {
    core.scheduler.add({ name: 'pki.crl.refresh', everyMinutes: config.crlRefreshMinutes, run: () => core.crls.refresh() });
    // Every instance loads what any instance downloaded, within a minute.
    void core.crls.sync().catch((err: Error) => logger.warn({ err: err.message }, 'CRL sync failed'));
    const poll = setInterval(() => void core.crls.sync().catch((err: Error) => logger.warn({ err: err.message }, 'CRL sync failed')), 60_000);
    poll.unref();
    core.lifecycle.onClose(async () => clearInterval(poll));
  }
  core.scheduler.add({ name: 'audit.refusal_windows.prune', dailyAt: '03:30', run: async (now) => ({ pruned: await core.audit.pruneRefusalWindows(notAfterNow(now)) }) });
  // Rate-limit counters whose window ended a day ago (every key a client ever used leaves one).
  core.scheduler.add({ name: 'platform.rate_limits.prune', dailyAt: '03:40', run: async (now) => ({ pruned: await createRateLimitRepository(db).pruneEnded(new Date(notAfterNow(now).getTime() - 86_400_000)) }) });
  // Sessions whose idle expiry passed (connect-pg-simple's own per-instance prune is off).
  core.scheduler.add({ name: 'platform.sessions.prune', everyMinutes: 5, run: async (now) => ({ pruned: await createSessionRepository(db).pruneExpired(notAfterNow(now)) }) });
  for (const job of [...picsJobs(routes.pics), ...cloudJobs(routes.cloud), ...jobsJobs(routes.jobs), ...mydataJobs(routes.mydata), ...messagesJobs(routes.messages), ...cardsJobs(routes.cards)]) core.scheduler.add(job);
  return { ...services, routes };
}

export type Services = ReturnType<typeof createServices>;
