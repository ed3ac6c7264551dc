import express, { type Router } from 'express';
import type { JobsDeps } from '../deps';
import { ctxOf } from '../../platform/identity/context';
import { flash } from '../../platform/http';
import { keepValues } from '../../platform/validation';
import { DomainError, FormError } from '../../platform/errors';
import { requireRole } from '../../platform/identity/guards';
import { chartSvg } from '../../platform/svgChart';
import { rocShort } from '../../platform/dates';
import { common, notice, vacancyId } from '../pages';
import type { ReviewService } from './service';

/** 職缺審核 (and 下架 of a published vacancy) and 職缺統計: the reviewers' pages. */
export function createReviewRouter(deps: Pick<JobsDeps, 'audit'>, review: ReviewService): Router {
  const router = express.Router();
  const audit = deps.audit;

  const reviewer = requireRole(audit, 'jobs_reviewer');
  router.get('/jobs/review', reviewer, async (req, res) => {
    const raw = typeof req.query.workId === 'string' ? req.query.workId.trim() : '';
    const workId = /^\d{1,12}$/.test(raw) ? Number(raw) : null;
    const errors = raw && workId === null ? { workId: '職缺編號須為數字' } : {};
    res.status(raw && workId === null ? 400 : 200).render('jobs/review-list', {
      ...common,
      title: '職缺審核',
      rows: await review.pending(),
      published: await review.published(workId),
      values: { workId: raw },
      errors,
    });
  });
  router.get('/jobs/review/:id', reviewer, async (req, res) => {
    const { v, attachments } = await review.vacancy(vacancyId(req));
    res.render('jobs/review', { ...common, title: '職缺審核', v, attachments, numberText: notice(v) });
  });
  router.post('/jobs/review/:id', reviewer, async (req, res) => {
    const id = vacancyId(req);
    try {
      const { vacancy, decision } = await review.review(req.user!, id, req.body, ctxOf(req));
      flash(req, 'success', `職缺編號 ${vacancy.workId} ${decision === 'approve' ? '審核通過' : '已退回'}。`);
      res.redirect(303, '/jobs/review');
    } catch (err) {
      if (err instanceof FormError) {
        const { v, attachments } = await review.vacancy(id);
        return res.status(400).render('jobs/review', { ...common, title: '職缺審核', v, attachments, numberText: notice(v), values: keepValues(req.body), errors: err.errors });
      }
      throw err;
    }
  });

  router.post('/jobs/review/:id/withdraw', reviewer, async (req, res) => {
    const id = vacancyId(req);
    try {
      const v = await review.withdraw(req.user!, id, req.body, ctxOf(req));
      flash(req, 'success', `職缺編號 ${v.workId} 已下架，已通知刊登機關。`);
      res.redirect(303, '/jobs/review');
    } catch (err) {
      if (err instanceof FormError || (err instanceof DomainError && err.code === 'not_published')) {
        const { v, attachments } = await review.vacancy(id);
        const errors = err instanceof FormError ? err.errors : { reason: err.message };
        return res.status(err instanceof FormError ? 400 : 409).render('jobs/review', { ...common, title: '職缺審核', v, attachments, numberText: notice(v), values: keepValues(req.body), errors });
      }
      throw err;
    }
  });

  router.get('/jobs/dashboard', reviewer, async (_req, res) => {
    const { weeks, gradeSeries, countySeries } = await review.weeklyFigures();
    const weekLabels = weeks.map((w) => rocShort(w).slice(4));
    res.render('jobs/dashboard', {
      ...common,
      title: '職缺統計',
      weeks: weekLabels,
      gradeSeries,
      countySeries,
      gradeSvg: chartSvg({ title: '每週新增職缺（依官等）', desc: '近 12 週每週新刊登職缺數，依官等堆疊', categories: weekLabels, series: gradeSeries, mode: 'stacked', id: 'chart-grade' }),
      countySvg: chartSvg({ title: '每週新增職缺（依工作地）', desc: '近 12 週每週新刊登職缺數，職缺數最多的 6 個工作地', categories: weekLabels, series: countySeries, mode: 'grouped', id: 'chart-county' }),
    });
  });

  return router;
}
