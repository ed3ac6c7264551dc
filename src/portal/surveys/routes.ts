import express, { type Request, type Router } from 'express';
import { ctxOf } from '../../platform/identity/context';
import { flash, idParam, submitForm } from '../../platform/http';
import { parseForm } from '../../platform/validation';
import { NotFoundError } from '../../platform/errors';
import { requireUser } from '../../platform/identity/guards';
import { QUESTION_KINDS, voteSchema } from './schemas';
import type { SurveyServices } from './index';

/** 主題投票 (public results, a signed-in person votes once) and 待辦事項 (the questionnaires to answer). */
export function surveyRoutes(surveys: SurveyServices): Router {
  const { questionnaires, polls } = surveys;
  const router = express.Router();
  const mustId = (value: unknown, what: string) => {
    const id = idParam(value);
    if (id === null) throw new NotFoundError(`查無此${what}`);
    return id;
  };

  // --- 主題投票 ---
  router.get('/polls', async (_req, res) => res.render('portal/polls', { title: '主題投票', polls: await polls.polls() }));
  const pollView = async (req: Request, id: number) => ({ title: '主題投票', poll: await polls.poll(id, req.user) });
  router.get('/polls/:id', async (req, res) => {
    res.render('portal/poll', await pollView(req, mustId(req.params.id, '投票')));
  });
  router.post('/polls/:id', requireUser, async (req, res) => {
    const id = mustId(req.params.id, '投票');
    await submitForm(req, res, 'portal/poll', await pollView(req, id), async () => {
      const { optionId } = parseForm(voteSchema, req.body);
      await polls.vote(req.user!, id, optionId, ctxOf(req));
      flash(req, 'success', '投票完成，感謝您的參與。');
      res.redirect(303, `/polls/${id}`);
    });
  });

  // --- 待辦事項 (questionnaires) ---
  router.get('/my/todo', requireUser, async (req, res) => {
    res.render('portal/todo', { title: '待辦事項', todos: await questionnaires.todos(req.user!) });
  });
  const qView = async (req: Request, id: number) => ({ title: '填寫問卷', questionnaire: await questionnaires.forAnswering(req.user!, id, ctxOf(req)), kinds: QUESTION_KINDS, preview: false });
  router.get('/my/questionnaires/:id', requireUser, async (req, res) => {
    res.render('portal/questionnaire', await qView(req, mustId(req.params.id, '問卷')));
  });
  router.post('/my/questionnaires/:id', requireUser, async (req, res) => {
    const id = mustId(req.params.id, '問卷');
    await submitForm(req, res, 'portal/questionnaire', await qView(req, id), async () => {
      await questionnaires.answer(req.user!, id, req.body ?? {}, ctxOf(req));
      flash(req, 'success', '問卷已送出，感謝您的填答。');
      res.redirect(303, '/my/todo');
    });
  });

  return router;
}
