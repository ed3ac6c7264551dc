import express, { type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { PgRateLimitStore } from '../../platform/web/rateLimitStore';
import type { PicsRouteDeps } from '../routeDeps';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam, submitForm } from '../../platform/http';
import { parseForm } from '../../platform/validation';
import { FormError } from '../../platform/errors';
import { requireRole } from '../../platform/identity/guards';
import { PICS_KINDS } from '../content/contentKinds';
import { questionSchema } from './schemas';
import { QUESTION_MAX } from './grams';

/** Shown (429) when a client asks more than ASSISTANT_RATE_LIMIT_PER_15MIN questions. */
export const ASSISTANT_TOO_MANY = '您詢問的次數過多，請稍候 15 分鐘再試，或改用文字客服、線上掛號。';

/** What the 線上掛號 form's 主旨 takes of a question. */
const SUBJECT_OF_QUESTION = 50;

/**
 * 智慧客服: the question box (anyone, from the eCPA home, the chat's side panel or PICS) at
 * /pics/assistant, a GET form that works without JavaScript; the 客服主管's list of questions
 * nothing answered at /pics/desk/assistant, each of which can become a 常見問題.
 */
export function assistantRoutes(services: PicsRouteDeps): Router {
  const { assistant } = services.pics;
  const router = express.Router();
  const supervisorOnly = requireRole(services.audit, 'cs_supervisor');
  const view = { title: '智慧客服', questionMax: QUESTION_MAX, subjectMax: SUBJECT_OF_QUESTION };
  // Questions are limited per client (counted in PostgreSQL, shared by instances); past the
  // limit the question page says so and nothing is asked, so nothing is counted as unanswered.
  const questionLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: services.config.assistantRateLimit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: new PgRateLimitStore(services.db, 'assistant'),
    skip: (req) => req.query.q === undefined,
    handler: (req, res) => {
      const q = typeof req.query.q === 'string' ? req.query.q.slice(0, QUESTION_MAX + 1) : '';
      res.status(429).render('pics/assistant', { ...view, values: { q }, errors: { q: ASSISTANT_TOO_MANY }, result: null });
    },
  });

  router.get('/pics/assistant', questionLimiter, async (req, res) => {
    if (req.query.q === undefined) return res.render('pics/assistant', { ...view, values: { q: '' }, result: null });
    const values = { q: typeof req.query.q === 'string' ? req.query.q : '' };
    try {
      const { q } = parseForm(questionSchema, { q: req.query.q });
      res.render('pics/assistant', { ...view, values, asked: q, result: await assistant.ask(q) });
    } catch (err) {
      if (err instanceof FormError) return res.status(400).render('pics/assistant', { ...view, title: `錯誤：${view.title}`, values, errors: err.errors, result: null });
      throw err;
    }
  });

  router.use('/pics/desk/assistant', supervisorOnly);

  router.get('/pics/desk/assistant', async (_req, res) => {
    res.render('pics/desk/assistant', { title: '智慧客服未能回答的問題', questions: await assistant.unanswered() });
  });

  const faqView = (question: { id: number; question: string; hits: number }) => ({
    title: '轉為常見問題',
    question,
    kind: PICS_KINDS.faq,
  });

  router.get('/pics/desk/assistant/:id/faq', async (req, res) => {
    const question = await assistant.openQuestion(req.user!, idParam(req.params.id), String(req.params.id), ctxOf(req));
    res.render('pics/desk/assistant-faq', { ...faqView(question), values: { category: '', question: question.question.slice(0, 300), answer: '', sortOrder: '0' } });
  });

  router.post('/pics/desk/assistant/:id/faq', async (req, res) => {
    const question = await assistant.openQuestion(req.user!, idParam(req.params.id), String(req.params.id), ctxOf(req));
    await submitForm(req, res, 'pics/desk/assistant-faq', faqView(question), async () => {
      const { title } = await assistant.toFaq(req.user!, question.id, req.body, ctxOf(req));
      flash(req, 'success', `已將問題新增為常見問題「${title}」。`);
      res.redirect(303, '/pics/desk/assistant');
    });
  });

  return router;
}
