import type { Db } from '../src/platform/database';

/**
 * A bench agency with `people` people in service, numbered `<idLetter>000000001` onwards
 * (idempotent: only the missing ones are added). Returns its id.
 */
export async function ensureBenchAgency(
  db: Db,
  a: { code: string; name: string; people: number; idLetter: string; namePrefix: string; birthDate: string; gender: 'M' | 'F' },
): Promise<number> {
  await db.raw(`INSERT INTO agency (code, name, address, phone) VALUES (?, ?, '臺北市', '02-00000000') ON CONFLICT (code) DO NOTHING`, [a.code, a.name]);
  const { id: agencyId } = await db('agency').where({ code: a.code }).first('id');
  const have = Number((await db('person').where({ agency_id: agencyId }).count({ n: '*' }))[0]!.n);
  if (have < a.people) {
    await db.raw(
      `INSERT INTO person (national_id, name, agency_id, title, rank, series, unit, personnel_kind, appointed_on, birth_date, gender)
       SELECT ? || lpad(i::text, 9, '0'), ? || i, ?, '科員', '薦任第七職等', '一般行政', '第' || (i % 20) || '科', '簡薦委公務人員', '2020-01-01', ?, ?
         FROM generate_series(?::int, ?::int) i`,
      [a.idLetter, a.namePrefix, agencyId, a.birthDate, a.gender, have + 1, a.people],
    );
  }
  return agencyId;
}
