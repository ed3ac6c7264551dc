import express, { type Request, type Router } from 'express';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam, submitForm } from '../../platform/http';
import { parseForm } from '../../platform/validation';
import { NotFoundError } from '../../platform/errors';
import { rocShort } from '../../platform/dates';
import { ROLE_LABELS } from '../catalog';
import { moveSchema, pollSchema, questionnaireSchema, questionSchema, QUESTION_KINDS, MAX_OPTIONS } from './schemas';
import { countsChart } from './charts';
import type { Questionnaire } from './repository';
import type { Poll } from './pollRepository';
import type { SurveyServices } from './index';

export const STATUS_LABELS = { draft: '草稿', published: '已發布', open: '開放中', closed: '已結束' } as const;

/**
 * 問卷管理 and 投票管理, mounted under /admin behind the portal administrators' guard:
 * build a questionnaire (settings, questions, order), preview, publish, close, results
 * (charts, text answers, CSV); create a poll, open it, close it, its results.
 */
export function surveyAdminRoutes(surveys: SurveyServices): Router {
  const { questionnaires, polls } = surveys;
  const router = express.Router();
  const mustId = (value: unknown, what: string) => {
    const id = idParam(value);
    if (id === null) throw new NotFoundError(`查無此${what}`);
    return id;
  };
  const common = { statusLabels: STATUS_LABELS, kinds: QUESTION_KINDS, roleLabels: ROLE_LABELS, maxOptions: MAX_OPTIONS };

  // --- 問卷管理 ---
  const settingsValues = (q: Questionnaire): Record<string, string> => ({
    title: q.title,
    intro: q.intro,
    openFrom: rocShort(q.openFrom),
    openTo: rocShort(q.openTo),
    anonymous: q.anonymous ? 'on' : '',
    audienceAgencies: q.audienceAgencies.map((a) => a.code).join('\n'),
    audienceRoles: q.audienceRoles.join(','),
  });
  const overview = async (id: number, extra: object = {}) => ({ ...common, title: '問卷管理', questionnaire: await questionnaires.get(id), ...extra });

  router.get('/questionnaires', async (_req, res) => res.render('admin/questionnaires', { ...common, title: '問卷管理', list: await questionnaires.list() }));
  router.get('/questionnaires/new', (_req, res) => res.render('admin/questionnaire-form', { ...common, title: '問卷管理', editing: null, values: {} }));
  router.post('/questionnaires', async (req, res) => {
    await submitForm(req, res, 'admin/questionnaire-form', { ...common, title: '問卷管理', editing: null }, async () => {
      const id = await questionnaires.create(req.user!, parseForm(questionnaireSchema, req.body), ctxOf(req));
      flash(req, 'success', '問卷已建立（草稿），請新增題目。');
      res.redirect(303, `/admin/questionnaires/${id}`);
    });
  });
  router.get('/questionnaires/:id', async (req, res) => res.render('admin/questionnaire', await overview(mustId(req.params.id, '問卷'))));
  router.get('/questionnaires/:id/edit', async (req, res) => {
    const q = await questionnaires.get(mustId(req.params.id, '問卷'));
    res.render('admin/questionnaire-form', { ...common, title: '問卷管理', editing: q, values: settingsValues(q) });
  });
  router.post('/questionnaires/:id', async (req, res) => {
    const q = await questionnaires.get(mustId(req.params.id, '問卷'));
    await submitForm(req, res, 'admin/questionnaire-form', { ...common, title: '問卷管理', editing: q }, async () => {
      await questionnaires.update(req.user!, q.id, parseForm(questionnaireSchema, req.body), ctxOf(req));
      flash(req, 'success', '問卷設定已更新。');
      res.redirect(303, `/admin/questionnaires/${q.id}`);
    });
  });

  router.post('/questionnaires/:id/questions', async (req, res) => {
    const id = mustId(req.params.id, '問卷');
    await submitForm(req, res, 'admin/questionnaire', await overview(id), async () => {
      await questionnaires.addQuestion(req.user!, id, parseForm(questionSchema, req.body), ctxOf(req));
      flash(req, 'success', '題目已新增。');
      res.redirect(303, `/admin/questionnaires/${id}#questions`);
    });
  });
  const questionLocals = async (req: Request) => {
    const { questionnaire, question } = await questionnaires.question(mustId(req.params.id, '問卷'), mustId(req.params.questionId, '題目'));
    return { ...common, title: '修改題目', questionnaire, question };
  };
  router.get('/questionnaires/:id/questions/:questionId/edit', async (req, res) => {
    const locals = await questionLocals(req);
    const q = locals.question;
    res.render('admin/question-form', { ...locals, values: { kind: q.kind, text: q.text, required: q.required ? 'on' : '', options: q.options.join('\n') } });
  });
  router.post('/questionnaires/:id/questions/:questionId', async (req, res) => {
    const locals = await questionLocals(req);
    await submitForm(req, res, 'admin/question-form', locals, async () => {
      await questionnaires.updateQuestion(req.user!, locals.questionnaire.id, locals.question.id, parseForm(questionSchema, req.body), ctxOf(req));
      flash(req, 'success', '題目已更新。');
      res.redirect(303, `/admin/questionnaires/${locals.questionnaire.id}#questions`);
    });
  });
  router.post('/questionnaires/:id/questions/:questionId/delete', async (req, res) => {
    const id = mustId(req.params.id, '問卷');
    await questionnaires.deleteQuestion(req.user!, id, mustId(req.params.questionId, '題目'), ctxOf(req));
    flash(req, 'success', '題目已刪除。');
    res.redirect(303, `/admin/questionnaires/${id}#questions`);
  });
  router.post('/questionnaires/:id/questions/:questionId/move', async (req, res) => {
    const id = mustId(req.params.id, '問卷');
    const questionId = mustId(req.params.questionId, '題目');
    await submitForm(req, res, 'admin/questionnaire', await overview(id), async () => {
      const { direction } = parseForm(moveSchema, req.body);
      await questionnaires.moveQuestion(req.user!, id, questionId, direction, ctxOf(req));
      res.redirect(303, `/admin/questionnaires/${id}#question-${questionId}`);
    });
  });

  router.get('/questionnaires/:id/preview', async (req, res) => {
    const q = await questionnaires.get(mustId(req.params.id, '問卷'));
    res.render('portal/questionnaire', { title: '預覽問卷', questionnaire: { ...q, open: true, answered: false }, kinds: QUESTION_KINDS, preview: true });
  });
  router.post('/questionnaires/:id/publish', async (req, res) => {
    const id = mustId(req.params.id, '問卷');
    await submitForm(req, res, 'admin/questionnaire', await overview(id), async () => {
      await questionnaires.publish(req.user!, id, ctxOf(req));
      flash(req, 'success', '問卷已發布，題目不可再修改。');
      res.redirect(303, `/admin/questionnaires/${id}`);
    });
  });
  router.post('/questionnaires/:id/close', async (req, res) => {
    const id = mustId(req.params.id, '問卷');
    await questionnaires.close(req.user!, id, ctxOf(req));
    flash(req, 'success', '問卷已結束，不再接受填答。');
    res.redirect(303, `/admin/questionnaires/${id}`);
  });

  router.get('/questionnaires/:id/results', async (req, res) => {
    const r = await questionnaires.results(mustId(req.params.id, '問卷'));
    const charts = r.questions.map((x, i) =>
      x.labels.length ? countsChart({ id: `chart-q${x.question.id}`, title: `第 ${i + 1} 題：${x.question.text}`, labels: x.labels, counts: x.counts, unit: '人' }) : null,
    );
    res.render('admin/questionnaire-results', { ...common, title: '問卷結果', ...r, charts });
  });
  router.get('/questionnaires/:id/results.csv', async (req, res) => {
    const file = await questionnaires.csv(req.user!, mustId(req.params.id, '問卷'), ctxOf(req));
    res.type('text/csv; charset=utf-8').attachment(file.filename).send(file.body);
  });

  // --- 投票管理 ---
  const pollValues = (p: Poll): Record<string, string> => ({
    title: p.title,
    description: p.description,
    openFrom: rocShort(p.openFrom),
    openTo: rocShort(p.openTo),
    options: p.options.map((o) => o.label).join('\n'),
  });
  const pollPage = async (id: number) => {
    const poll = await polls.get(id);
    const chart = countsChart({ id: `chart-poll${poll.id}`, title: `${poll.title} 投票結果`, labels: poll.options.map((o) => o.label), counts: poll.options.map((o) => o.votes), unit: '票' });
    return { ...common, title: '投票管理', poll, chart, values: pollValues(poll) };
  };
  router.get('/polls', async (_req, res) => res.render('admin/polls', { ...common, title: '投票管理', list: await polls.list() }));
  router.get('/polls/new', (_req, res) => res.render('admin/poll-form', { ...common, title: '投票管理', editing: null, values: {} }));
  router.post('/polls', async (req, res) => {
    await submitForm(req, res, 'admin/poll-form', { ...common, title: '投票管理', editing: null }, async () => {
      const id = await polls.create(req.user!, parseForm(pollSchema, req.body), ctxOf(req));
      flash(req, 'success', '投票已建立（草稿）。確認內容後請按「開放投票」。');
      res.redirect(303, `/admin/polls/${id}`);
    });
  });
  router.get('/polls/:id', async (req, res) => res.render('admin/poll', await pollPage(mustId(req.params.id, '投票'))));
  router.get('/polls/:id/edit', async (req, res) => {
    const p = await polls.get(mustId(req.params.id, '投票'));
    res.render('admin/poll-form', { ...common, title: '投票管理', editing: p, values: pollValues(p) });
  });
  router.post('/polls/:id', async (req, res) => {
    const p = await polls.get(mustId(req.params.id, '投票'));
    await submitForm(req, res, 'admin/poll-form', { ...common, title: '投票管理', editing: p }, async () => {
      await polls.update(req.user!, p.id, parseForm(pollSchema, req.body), ctxOf(req));
      flash(req, 'success', '投票內容已更新。');
      res.redirect(303, `/admin/polls/${p.id}`);
    });
  });
  router.post('/polls/:id/open', async (req, res) => {
    const id = mustId(req.params.id, '投票');
    await submitForm(req, res, 'admin/poll', await pollPage(id), async () => {
      await polls.open(req.user!, id, ctxOf(req));
      flash(req, 'success', '投票已開放。');
      res.redirect(303, `/admin/polls/${id}`);
    });
  });
  router.post('/polls/:id/close', async (req, res) => {
    const id = mustId(req.params.id, '投票');
    await polls.close(req.user!, id, ctxOf(req));
    flash(req, 'success', '投票已結束。');
    res.redirect(303, `/admin/polls/${id}`);
  });

  return router;
}
