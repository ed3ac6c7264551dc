import type { Db } from '../platform/database';
import { rocShort, taipeiToday } from '../platform/dates';
import { chartSvg } from '../platform/svgChart';
import { shiftDay } from './calendar';
import { CHANNELS, CHANNEL_LABELS } from './schemas';
import { PAGE_SIZE, taipeiStart } from './repository';
import { PICS_KINDS } from './contentKinds';
import type { ContentService } from '../platform/content';

/** PICS home content: announcements, FAQ, downloads, search with hot keywords; the dashboard. */
export function createPicsContent(db: Db, clock: () => Date, content: ContentService) {
  const { announcements: ANNOUNCEMENTS, faq: FAQ, downloads: DOWNLOADS } = PICS_KINDS;
  let hot: { at: number; terms: string[] } | null = null;
  return {
    async home() {
      const [announcements, faq, downloads, hot] = await Promise.all([
        content.latest(ANNOUNCEMENTS, { limit: 5 }),
        content.latest(FAQ, { limit: 5 }),
        content.latest(DOWNLOADS, { limit: 5 }),
        this.hotKeywords(),
      ]);
      return { announcements, faq, downloads, hot };
    },

    /** The most searched terms (cached for a minute; shown on every PICS page). */
    async hotKeywords(): Promise<string[]> {
      if (hot && Date.now() - hot.at < 60_000) return hot.terms;
      const rows: { term: string }[] = await db('pics_search_term').orderBy('hits', 'desc').orderBy('term').limit(6).select('term');
      hot = { at: Date.now(), terms: rows.map((r) => r.term) };
      return hot.terms;
    },

    announcements: (page: number) => content.published(ANNOUNCEMENTS, { page, size: PAGE_SIZE }),

    /** A published announcement, or a 404. */
    announcement: (id: number | null) => content.publishedItem(ANNOUNCEMENTS, id),

    faq: () => content.latest(FAQ),

    downloads: () => content.latest(DOWNLOADS),

    /** Searches FAQ and announcements; the term counts towards the hot keywords. */
    async search(q: string) {
      const [faq, announcements] = await Promise.all([content.latest(FAQ, { q, limit: 50 }), content.latest(ANNOUNCEMENTS, { q, limit: 50 })]);
      if (faq.length + announcements.length > 0) {
        await db.raw('INSERT INTO pics_search_term (term, hits) VALUES (?, 1) ON CONFLICT (term) DO UPDATE SET hits = pics_search_term.hits + 1', [q.slice(0, 50)]);
      }
      return { faq, announcements };
    },

    /** Charts of the last `days` days: tickets per day by channel, open vs closed, overdue. */
    async dashboard(days = 14) {
      const today = taipeiToday(clock());
      const first = shiftDay(today, -(days - 1));
      const dates = Array.from({ length: days }, (_, i) => shiftDay(first, i));
      const perDay: { day: string; channel: string; n: string }[] = (
        await db.raw(
          `SELECT to_char(created_at AT TIME ZONE 'Asia/Taipei', 'YYYY-MM-DD') AS day, channel, count(*) AS n
             FROM pics_ticket WHERE created_at >= ? GROUP BY 1, 2`,
          [taipeiStart(first)],
        )
      ).rows;
      const byChannel = CHANNELS.map((c) => ({
        name: CHANNEL_LABELS[c],
        values: dates.map((d) => Number(perDay.find((r) => r.day === d && r.channel === c)?.n ?? 0)),
      }));
      const states: { status: string; channel: string; n: string }[] = (await db.raw('SELECT status, channel, count(*) AS n FROM pics_ticket GROUP BY 1, 2')).rows;
      const openClosed = [
        { name: '未結案', values: CHANNELS.map((c) => Number(states.find((r) => r.status === 'open' && r.channel === c)?.n ?? 0)) },
        { name: '已結案', values: CHANNELS.map((c) => Number(states.find((r) => r.status === 'closed' && r.channel === c)?.n ?? 0)) },
      ];
      const overdueRows: { name: string | null; n: string }[] = (
        await db.raw(
          `SELECT coalesce(p.name, '未分派') AS name, count(*) AS n FROM pics_ticket t
             LEFT JOIN account a ON a.id = t.assignee_account_id LEFT JOIN person p ON p.id = a.person_id
            WHERE t.status = 'open' AND t.due_on < ? GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10`,
          [today],
        )
      ).rows;
      const labels = dates.map((d) => rocShort(d).slice(4));
      return {
        perDay: { categories: labels, series: byChannel, svg: chartSvg({ id: 'chart-per-day', title: `近 ${days} 日每日掛號件數（依來源）`, categories: labels, series: byChannel, mode: 'stacked' }) },
        openClosed: {
          categories: CHANNELS.map((c) => CHANNEL_LABELS[c]),
          series: openClosed,
          svg: chartSvg({ id: 'chart-open-closed', title: '未結案與已結案件數（依來源）', categories: CHANNELS.map((c) => CHANNEL_LABELS[c]), series: openClosed, mode: 'grouped' }),
        },
        overdue: {
          categories: overdueRows.map((r) => r.name ?? '未分派'),
          series: [{ name: '逾期件數', values: overdueRows.map((r) => Number(r.n)) }],
          svg: chartSvg({
            id: 'chart-overdue',
            title: '逾期未結案件數（依承辦人）',
            categories: overdueRows.length ? overdueRows.map((r) => r.name ?? '未分派') : ['無逾期案件'],
            series: [{ name: '逾期件數', values: overdueRows.length ? overdueRows.map((r) => Number(r.n)) : [0] }],
            mode: 'grouped',
          }),
        },
      };
    },
  };
}

export type PicsContent = ReturnType<typeof createPicsContent>;
