import type { Config } from '../config';
import type { JobsDeps } from './deps';
import type { ScheduledJob } from '../platform/scheduler';
import { routerOf } from '../platform/web/routers';
import { createVacancyRepository } from './vacancyRepository';
import { createVacancies } from './vacancies';
import { createSearchRepository } from './search/repository';
import { createSearchService } from './search/service';
import { createSearchRouter } from './search/routes';
import { createNewsletterRepository } from './newsletter/repository';
import { createNewsletterService } from './newsletter/service';
import { createNewsletterRouter, newsletterJobs } from './newsletter/routes';
import { createOpenDataRepository } from './opendata/repository';
import { createOpenDataService } from './opendata/service';
import { createOpenDataRouter } from './opendata/routes';
import { createApplicationRepository } from './apply/repository';
import { createApplyService } from './apply/service';
import { createApplyRouter } from './apply/routes';
import { createManageRepository } from './manage/repository';
import { createManageService } from './manage/service';
import { createManageRouter } from './manage/routes';
import { createReviewRepository } from './review/repository';
import { createReviewService } from './review/service';
import { createReviewRouter } from './review/routes';
import { createImportsRepository } from './imports/repository';
import { createImportsService } from './imports/service';
import { createImportsRouter } from './imports/routes';
import { createPublishingRepository } from './publishing/repository';
import { createPublishingService } from './publishing/service';
import { createPublishingRouter } from './publishing/routes';
import { under, type GatedRouter } from '../platform/web/under';

/**
 * 事求人機關徵才系統, one folder per journey: search (查詢職缺資料, a vacancy's page, 求職SOP),
 * newsletter (電子報 and its daily digest), opendata (the open-data files and the legacy feed's
 * importer), apply (a person applies), manage (機關徵才登錄, 調閱履歷), review (職缺審核, 職缺統計),
 * imports (匯入機關確認: agencies a feed added, confirmed or merged by an administrator).
 * The vacancy itself (vacancyRepository.ts, vacancies.ts), the code lists (codes.ts) and what
 * every page shows (pages.ts) are shared by the journeys.
 */
export function createJobsServices(core: JobsDeps) {
  const vacancyRepo = createVacancyRepository(core.db);
  const applications = createApplicationRepository(core.db);
  const vacancies = createVacancies(core, vacancyRepo);
  const newsletter = createNewsletterService(core, createNewsletterRepository(core.db, vacancyRepo));
  const publishing = createPublishingService(core, createPublishingRepository(core.db));
  return {
    search: createSearchService({ vacancies, searchRepo: createSearchRepository(core.db) }),
    newsletter,
    openData: createOpenDataService(vacancies, createOpenDataRepository(core.db, vacancyRepo)),
    apply: createApplyService(core, vacancies, applications),
    manage: createManageService(core, vacancies, { vacancies: vacancyRepo, manage: createManageRepository(core.db, vacancyRepo), applications }, publishing),
    review: createReviewService(core, vacancies, vacancyRepo, createReviewRepository(core.db, vacancyRepo)),
    imports: createImportsService(core, createImportsRepository(core.db)),
    publishing,
    /** The e-newsletter's daily digest (the scheduled job's work). */
    sendDigests: newsletter.sendDigests,
  };
}

export type JobsServices = ReturnType<typeof createJobsServices>;

/** The area's routes, written with full paths and run only for the area's own (platform/web/under.ts). */
export function jobsRoutes(services: JobsDeps & { jobs: JobsServices }, config: Config): GatedRouter {
  const { jobs } = services;
  const router = routerOf(
    createSearchRouter(services, jobs.search),
    createNewsletterRouter(config, jobs.newsletter),
    createOpenDataRouter(services, config, jobs.openData),
    createApplyRouter(services, jobs.apply),
    createManageRouter(services, jobs.manage),
    createReviewRouter(services, jobs.review),
    createImportsRouter(services, jobs.imports),
    createPublishingRouter(services, jobs.publishing),
  );
  return under({ prefixes: ['/jobs'] }, router);
}

/** Scheduled work: the e-newsletter's daily digest of new vacancies. */
export function jobsJobs(services: Pick<JobsDeps, 'config'> & { jobs: JobsServices }): ScheduledJob[] {
  return newsletterJobs(services.config, services.jobs.newsletter);
}
