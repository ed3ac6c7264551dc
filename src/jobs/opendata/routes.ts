import express, { type Request, type Response, type Router } from 'express';
import type { JobsDeps } from '../deps';
import type { Config } from '../../config';
import { taipeiToday } from '../../platform/dates';
import { COUNTIES, GRADES, LEVELS, PERSON_KINDS, SERIES, TITLES } from '../codes';
import { common } from '../pages';
import type { VacancyRow } from '../vacancyRepository';
import { CSV_HEAD, csvRow, openRecord, write, xmlHead, xmlRow, XML_TAIL } from './format';
import type { OpenDataService } from './service';

/** 職缺Open Data: the current and past vacancies as XML, JSON and CSV, and the code lists. */
export function createOpenDataRouter(deps: Pick<JobsDeps, 'logger' | 'clock'>, config: Pick<Config, 'publicOrigin'>, openData: OpenDataService): Router {
  const router = express.Router();
  const origin = config.publicOrigin.replace(/\/$/, '');

  router.get('/jobs/opendata', (_req, res) => res.render('jobs/opendata', { ...common, title: '職缺Open Data' }));
  const historyPage = (req: Request) => {
    const p = typeof req.query.page === 'string' && /^\d{1,6}$/.test(req.query.page) ? Math.max(1, Number(req.query.page)) : 1;
    return p;
  };
  const HISTORY_SIZE = 1000;
  /** Rows in work_id order, fetched in keyset batches so memory stays flat for any size. */
  async function streamRows(req: Request, res: Response, history: boolean, each: (v: VacancyRow) => string) {
    if (history) {
      for (const v of await openData.historyPage(historyPage(req), HISTORY_SIZE)) await write(res, each(v));
      return;
    }
    await openData.eachCurrentBatch(1000, async (rows) => {
      let chunk = '';
      for (const v of rows) chunk += each(v);
      await write(res, chunk);
    });
  }
  // A download of public data is an access, not a security event: one structured log line
  // (the access log), nothing stored in the database.
  const logOpenData = (req: Request, format: string): void => {
    deps.logger.info({ event: 'jobs.opendata.download', file: format, accountId: req.user?.accountId ?? null, ip: req.ip ?? null, requestId: req.id }, 'open data download');
  };
  for (const history of [false, true]) {
    const name = history ? 'history' : 'vacancies';
    router.get(`/jobs/opendata/${name}.xml`, async (req, res) => {
      logOpenData(req, `${name}.xml`);
      res.type('application/xml; charset=utf-8');
      res.write(xmlHead(deps.clock()));
      await streamRows(req, res, history, (v) => xmlRow(v, origin));
      res.end(XML_TAIL);
    });
    router.get(`/jobs/opendata/${name}.json`, async (req, res) => {
      logOpenData(req, `${name}.json`);
      res.type('application/json; charset=utf-8');
      res.write(`{"announceDate":"${taipeiToday(deps.clock())}",${history ? `"page":${historyPage(req)},"pageSize":${HISTORY_SIZE},` : ''}"vacancies":[`);
      let first = true;
      await streamRows(req, res, history, (v) => {
        const s = (first ? '\n' : ',\n') + JSON.stringify(openRecord(v, origin));
        first = false;
        return s;
      });
      res.end('\n]}\n');
    });
    router.get(`/jobs/opendata/${name}.csv`, async (req, res) => {
      logOpenData(req, `${name}.csv`);
      res.type('text/csv; charset=utf-8').attachment(`${name}.csv`);
      res.write(CSV_HEAD);
      await streamRows(req, res, history, (v) => csvRow(openRecord(v, origin)));
      res.end();
    });
  }
  router.get('/jobs/opendata/codes.json', (_req, res) => {
    res.json({
      counties: COUNTIES,
      series: SERIES,
      titles: TITLES,
      personKinds: PERSON_KINDS,
      grades: GRADES.map((g) => ({ grade: g.code, from: g.from, to: g.to })),
      levels: LEVELS.map((l) => ({ level: l.value, name: l.text })),
    });
  });

  return router;
}
