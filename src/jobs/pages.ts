import type { Request } from 'express';
import { idParam } from '../platform/http';
import { NotFoundError } from '../platform/errors';
import { COUNTIES, COUNTY_NAME, GENDER_TEXT, GRADES, LEVELS, PERSON_KINDS, PERSON_KIND_NAME, SERIES, TITLES } from './codes';
import type { VacancyRow } from './vacancyRepository';

const STYLES = ['/public/css/jobs.css'];
const STATUS_TEXT: Record<string, string> = { pending: '審核中', approved: '審核通過', returned: '退回', withdrawn: '已下架' };

/** What every 事求人 page shows. */
export const common = {
  stylesheets: STYLES,
  counties: COUNTIES,
  personKinds: PERSON_KINDS,
  seriesList: SERIES,
  titles: TITLES,
  grades: GRADES,
  levels: LEVELS,
  countyName: COUNTY_NAME,
  kindName: PERSON_KIND_NAME,
  genderText: GENDER_TEXT,
  statusText: STATUS_TEXT,
};

/** 名額 as a page shows it. */
export function notice(v: VacancyRow) {
  return v.numberOf === null ? '數名' : `${v.numberOf} 名`;
}

/** The vacancy id of `/…/:id`; a malformed one is a 404. */
export function vacancyId(req: Request): number {
  const id = idParam(req.params.id);
  if (id === null) throw new NotFoundError('查無此職缺');
  return id;
}
