import type { Router } from 'express';
import type { Config } from '../../config';
import type { CloudDeps } from '../deps';
import type { CloudRouteDeps } from '../routeDeps';
import { notAfterNow, type ScheduledJob } from '../../platform/scheduler';
import { createApplyService } from './service';
import { applyRouter } from './routes';

/** 申請服務 (the signed wizard), 進度查詢 and 申請審核管理 of 人事雲端服務平台. */
export function createApplyServices(core: CloudDeps) {
  return createApplyService(core);
}

export function applyRoutes(services: CloudRouteDeps, config: Config): Router {
  void config;
  return applyRouter(services);
}

export function applyJobs(services: CloudRouteDeps): ScheduledJob[] {
  return [{ name: 'cloud.apply.sweep_drafts', dailyAt: '03:30', run: (now) => services.cloud.apply.sweepDrafts(notAfterNow(now)).then(() => undefined) }];
}
