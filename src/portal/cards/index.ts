import type { ScheduledJob } from '../../platform/scheduler';
import type { CardsDeps } from './deps';
import { createCardsService, type CardsService } from './service';
import { cardsRouter } from './routes';
import { under, type GatedRouter } from '../../platform/web/under';

/** 電子賀卡 of 我的專區, built on 網頁訊息. */
export function createCardsServices(deps: CardsDeps): CardsService {
  return createCardsService(deps);
}

/** The pages under /my/ecards (the card form, 預約寄送, and 人事人員's 生日賀卡 setting). */
export function cardsRoutes(services: Pick<CardsDeps, 'audit' | 'uploads'> & { cards: CardsService }): GatedRouter {
  return under({ prefixes: ['/my/ecards'] }, cardsRouter(services));
}

/**
 * Cards on their date, and birthday cards: both look at today's (Taipei) work each run and
 * skip what went out (a locked, marked row; a (person, year) key), so a retry sends nothing twice.
 */
export function cardsJobs(services: { cards: CardsService }): ScheduledJob[] {
  return [
    { name: 'cards.scheduled', everyMinutes: 10, run: (now) => services.cards.sendScheduled(now) },
    { name: 'cards.birthday', everyMinutes: 60, run: (now) => services.cards.sendBirthdays(now) },
  ];
}
