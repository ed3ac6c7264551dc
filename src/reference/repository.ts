import type { Db } from '../platform/database';
import { COUNTIES, PERSON_KINDS, SERIES, TITLES, rankText } from '../jobs/codes';
import { SERVICES } from '../cloud/site/catalog';
import { AGENCIES } from './agencies';
import { APP_CATALOG } from './appCatalog';
import { WORK_CALENDAR } from './workCalendar';
import { CODE_TYPES } from './hrCodes';

/**
 * Reference data every installation loads, production included (src/bootstrap.ts): the
 * agencies, the app catalog, the code lists of 事求人 and of the HR tables, the work
 * calendar and the cloud platform's service catalog. Demo data stays in seeds/.
 */
export async function seedAgencies(db: Db): Promise<void> {
  await db('agency')
    .insert(AGENCIES.map((a) => ({ code: a.code, name: a.name, address: a.address, phone: a.phone, email_domain: a.domain, parent_code: a.parent ?? null })))
    .onConflict('code')
    .ignore();
}

/** Reference data: the code lists of 事求人 (counties, 人員類別, 職系, 職稱, 職等). */
export async function seedJobsCodes(db: Db): Promise<void> {
  const codes = [
    ...COUNTIES.map((c, i) => ({ kind: 'county', code: c.code, name: c.name, sort_order: i })),
    ...PERSON_KINDS.map((c, i) => ({ kind: 'person_kind', code: c.code, name: c.name, sort_order: i })),
    ...SERIES.map((c, i) => ({ kind: 'series', code: c.code, name: c.name, sort_order: i })),
    ...TITLES.map((c, i) => ({ kind: 'title', code: c.code, name: c.name, sort_order: i })),
    ...Array.from({ length: 14 }, (_, i) => ({ kind: 'level', code: String(i + 1), name: rankText(i + 1, i + 1), sort_order: i })),
  ];
  await db('jobs_code').insert(codes).onConflict(['kind', 'code']).ignore();
}

/** Reference data: the work calendar (holidays and make-up workdays) that due dates count on. */
export async function seedWorkCalendar(db: Db): Promise<void> {
  await db('pics_calendar_day').insert(WORK_CALENDAR).onConflict('day').ignore();
}

/**
 * Reference data: the cloud platform's service catalog with its data dictionary, and the HR
 * code lists. Once (the catalog is edited by its administrators afterwards).
 */
export async function seedCloudCatalog(db: Db): Promise<number> {
  if (await db('cloud_service').first('id')) return 0;
  await db.transaction(async (trx) => {
    let sort = 0;
    for (const s of SERVICES) {
      sort += 10;
      const [t] = await trx('cloud_dict_table').insert({ name: s.table, title: s.tableTitle, description: `${s.name}（${s.code}）`, sort_order: sort }).returning('id');
      await trx('cloud_dict_field').insert(
        s.fields.map((f, i) => ({ table_id: t.id, column_name: f.column, label: f.label, data_type: f.type, length: f.length ?? null, description: f.description ?? '', sort_order: (i + 1) * 10 })),
      );
      await trx('cloud_service').insert({ code: s.code, name: s.name, description: s.description, category: s.category, table_id: t.id, sort_order: sort });
    }
    await trx('hr_code').insert(CODE_TYPES.flatMap(([type, codes]) => codes.map(([code, name]) => ({ code_type: type, code, code_name: name }))));
  });
  return SERVICES.length;
}

/**
 * What every installation loads, production included: the app catalog, the agencies, the
 * code lists of 事求人 and of the HR tables, the work calendar and the cloud platform's
 * service catalog. Never people, accounts, keys or announcements (those are seeds/demo.ts
 * and seeds/areas.ts, outside production only).
 */
export async function seedReference(db: Db): Promise<void> {
  await seedAgencies(db);
  await seedJobsCodes(db);
  await seedWorkCalendar(db);
  await seedCloudCatalog(db);
  await db('app_catalog')
    .insert(
      APP_CATALOG.map((a, i) => ({
        code: a.code,
        name: a.name,
        category: a.category,
        url: a.url,
        description: a.description,
        required_role: a.requiredRole,
        show_code: a.showCode,
        sort_order: i * 10,
      })),
    )
    .onConflict('code')
    .ignore();
}
