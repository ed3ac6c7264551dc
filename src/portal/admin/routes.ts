import express, { type Router } from 'express';
import type { PlatformDeps } from '../../platform/deps';
import type { AdminService } from './service';
import { ctxOf } from '../../platform/identity/context';
import { flash, submitForm } from '../../platform/http';
import { FormError } from '../../platform/errors';
import { pageNumber, parseForm } from '../../platform/validation';
import { requireRole } from '../../platform/identity/guards';
import { APP_CATEGORIES, ROLE_LABELS } from '../catalog';
import { appSchema } from '../schemas';
import { contentAdminRouter } from '../../platform/content';
import { accessRoutes, type AccessService } from '../access';
import { surveyAdminRoutes } from '../surveys/adminRoutes';
import type { SurveyServices } from '../surveys';

/** Portal administration (人事服務網管理者): announcements, app catalog, 問卷管理, 投票管理, outbox, audit; 權限管理 and 機關授權. */
export function adminRoutes(services: Pick<PlatformDeps, 'mail' | 'audit' | 'clock' | 'content'> & { admin: AdminService; access: AccessService; surveys: SurveyServices }): Router {
  const { admin, mail, audit } = services;
  const router = express.Router();
  // 權限管理 and 機關授權 admit HR supervisors and 銓敘部管理者 too: their own guards.
  router.use('/access', accessRoutes({ audit, access: services.access }));
  router.use(requireRole(audit, 'portal_admin'));

  // --- 最新公告 管理: a kind of the platform's content module ---
  router.use(
    contentAdminRouter({
      content: services.content,
      kinds: services.content.kindsOf('portal'),
      base: '/admin',
      clock: services.clock,
      views: { list: 'admin/announcements', form: 'admin/announcement-form' },
      locals: () => ({ title: '公告管理' }),
      done: (kind, verb) => `${kind.noun}已${verb}。`,
    }),
  );

  // --- 應用系統 管理 ---
  const appForm = (extra: object = {}) => ({ title: '應用系統管理', categories: APP_CATEGORIES, roleLabels: ROLE_LABELS, ...extra });
  router.get('/apps', async (_req, res) => res.render('admin/apps', { title: '應用系統管理', apps: await admin.apps(), categories: APP_CATEGORIES, roleLabels: ROLE_LABELS }));
  router.get('/apps/new', (_req, res) => res.render('admin/app-form', appForm({ editing: null, values: { active: 'on', showCode: 'on', sortOrder: '0' } })));
  router.post('/apps', async (req, res) => {
    await submitForm(req, res, 'admin/app-form', appForm({ editing: null }), async () => {
      const input = parseForm(appSchema, req.body);
      await admin.createApp(req.user!, input, ctxOf(req));
      flash(req, 'success', `應用系統 ${input.code} 已新增。`);
      res.redirect(303, '/admin/apps');
    });
  });
  router.get('/apps/:code/edit', async (req, res) => {
    const a = await admin.app(String(req.params.code).slice(0, 10));
    res.render(
      'admin/app-form',
      appForm({
        editing: a,
        values: { ...a, requiredRole: a.requiredRole ?? '', agencies: a.agencies.join('\n'), sortOrder: String(a.sortOrder), active: a.active ? 'on' : '', showCode: a.showCode ? 'on' : '' },
      }),
    );
  });
  router.post('/apps/:code', async (req, res) => {
    const a = await admin.app(String(req.params.code).slice(0, 10));
    await submitForm(req, res, 'admin/app-form', appForm({ editing: a }), async () => {
      const input = parseForm(appSchema, { ...req.body, code: a.code });
      await admin.updateApp(req.user!, a.code, input, ctxOf(req));
      flash(req, 'success', `應用系統 ${a.code} 已更新。`);
      res.redirect(303, '/admin/apps');
    });
  });
  router.post('/apps/:code/delete', async (req, res) => {
    const code = String(req.params.code).slice(0, 10);
    await admin.deleteApp(req.user!, code, ctxOf(req));
    flash(req, 'success', `應用系統 ${code} 已刪除。`);
    res.redirect(303, '/admin/apps');
  });

  // --- 問卷管理 and 投票管理 (src/portal/surveys) ---
  router.use(surveyAdminRoutes(services.surveys));

  // --- 郵件寄送紀錄 (the outbox read in development) and 稽核紀錄 ---
  router.get('/outbox', async (req, res) => {
    const page = pageNumber(req.query.page);
    res.render('admin/outbox', { title: '郵件寄送紀錄', mails: await mail.list(50, (page - 1) * 50), page, smtp: mail.smtpConfigured, development: mail.developmentOutbox });
  });
  // 重新寄送: a dead letter back on the mail queue (audited by the mail service).
  router.post('/outbox/:id/resend', async (req, res) => {
    const id = /^\d{1,12}$/.test(String(req.params.id)) ? Number(req.params.id) : 0;
    try {
      await mail.resend(id, { accountId: req.user!.accountId, label: req.user!.name }, ctxOf(req));
      flash(req, 'success', `郵件 ${id} 已重新排入寄送佇列。`);
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      flash(req, 'error', err.message);
    }
    res.redirect(303, '/admin/outbox');
  });
  router.get('/audit', async (req, res) => {
    const page = pageNumber(req.query.page);
    const action = typeof req.query.action === 'string' && /^[a-z_.]{1,60}$/.test(req.query.action) ? req.query.action : undefined;
    res.render('admin/audit', { title: '稽核紀錄', events: await audit.list({ action, limit: 50, offset: (page - 1) * 50 }), page, action });
  });

  return router;
}
