import express, { type Router } from 'express';
import type { PlatformDeps } from '../../platform/deps';
import type { PortalService } from '../service';
import type { AdminService } from './service';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam, submitForm } from '../../platform/http';
import { pageNumber, parseForm } from '../../platform/validation';
import { NotFoundError } from '../../platform/errors';
import { requireRole } from '../../platform/identity/guards';
import { ANNOUNCEMENT_CATEGORIES, APP_CATEGORIES, ROLE_LABELS } from '../catalog';
import { announcementSchema, appSchema } from '../schemas';
import { rocShort } from '../../platform/dates';

/** Portal administration (人事服務網管理者): announcements, app catalog, outbox, audit. */
export function adminRoutes(services: Pick<PlatformDeps, 'mail' | 'audit'> & { admin: AdminService; portal: PortalService }): Router {
  const { admin, mail, audit } = services;
  const router = express.Router();
  router.use(requireRole(audit, 'portal_admin'));

  // --- 最新公告 管理 ---
  const annForm = (extra: object = {}) => ({ title: '公告管理', categories: ANNOUNCEMENT_CATEGORIES, ...extra });
  router.get('/announcements', async (req, res) => {
    res.render('admin/announcements', { title: '公告管理', result: await admin.announcements(pageNumber(req.query.page)) });
  });
  router.get('/announcements/new', (_req, res) => {
    res.render('admin/announcement-form', annForm({ values: { publishOn: rocShort(new Date()) }, editing: null }));
  });
  router.post('/announcements', async (req, res) => {
    await submitForm(req, res, 'admin/announcement-form', annForm({ editing: null }), async () => {
      const input = parseForm(announcementSchema, req.body);
      await admin.createAnnouncement(req.user!, input, ctxOf(req));
      flash(req, 'success', '公告已新增。');
      res.redirect(303, '/admin/announcements');
    });
  });
  router.get('/announcements/:id/edit', async (req, res) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此公告');
    const a = await services.portal.announcement(id, { includeUnpublished: true });
    res.render(
      'admin/announcement-form',
      annForm({
        editing: a,
        values: { title: a.title, category: a.category, body: a.body, publishOn: rocShort(a.publishOn), unpublishOn: a.unpublishOn ? rocShort(a.unpublishOn) : '' },
      }),
    );
  });
  router.post('/announcements/:id', async (req, res) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此公告');
    const a = await services.portal.announcement(id, { includeUnpublished: true });
    await submitForm(req, res, 'admin/announcement-form', annForm({ editing: a }), async () => {
      const input = parseForm(announcementSchema, req.body);
      await admin.updateAnnouncement(req.user!, id, input, ctxOf(req));
      flash(req, 'success', '公告已更新。');
      res.redirect(303, '/admin/announcements');
    });
  });
  router.post('/announcements/:id/delete', async (req, res) => {
    const id = idParam(req.params.id);
    if (id === null) throw new NotFoundError('查無此公告');
    await admin.deleteAnnouncement(req.user!, id, ctxOf(req));
    flash(req, 'success', '公告已刪除。');
    res.redirect(303, '/admin/announcements');
  });

  // --- 應用系統 管理 ---
  const appForm = (extra: object = {}) => ({ title: '應用系統管理', categories: APP_CATEGORIES, roleLabels: ROLE_LABELS, ...extra });
  router.get('/apps', async (_req, res) => res.render('admin/apps', { title: '應用系統管理', apps: await admin.apps(), categories: APP_CATEGORIES, roleLabels: ROLE_LABELS }));
  router.get('/apps/new', (_req, res) => res.render('admin/app-form', appForm({ editing: null, values: { active: 'on', sortOrder: '0' } })));
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
        values: { ...a, requiredRole: a.requiredRole ?? '', sortOrder: String(a.sortOrder), active: a.active ? 'on' : '' },
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

  // --- 郵件寄送紀錄 (the outbox read in development) and 稽核紀錄 ---
  router.get('/outbox', async (req, res) => {
    const page = pageNumber(req.query.page);
    res.render('admin/outbox', { title: '郵件寄送紀錄', mails: await mail.list(50, (page - 1) * 50), page, smtp: mail.smtpConfigured, development: mail.developmentOutbox });
  });
  router.get('/audit', async (req, res) => {
    const page = pageNumber(req.query.page);
    const action = typeof req.query.action === 'string' && /^[a-z_.]{1,60}$/.test(req.query.action) ? req.query.action : undefined;
    res.render('admin/audit', { title: '稽核紀錄', events: await audit.list({ action, limit: 50, offset: (page - 1) * 50 }), page, action });
  });

  return router;
}
