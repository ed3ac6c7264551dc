import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/platform/database';
import { UPLOAD_MESSAGES } from '../../src/platform/uploads';
import { Client, startDatabase, startInstance, waitFor, type Instance, type TestDatabase } from './harness';

// Files across instances and through crashes: what one instance keeps another serves; an
// instance killed mid-upload leaves neither a row without its file nor a file without its
// row; an unwritable upload folder is refused clearly with nothing saved.
let database: TestDatabase;
let db: Db;
const instances: Instance[] = [];

beforeAll(async () => {
  database = await startDatabase();
  db = createDb(database.url, 2);
}, 180_000);

afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await db?.destroy();
  await database?.destroy();
});

const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n%證明文件\n'), Buffer.alloc(200_000, 0x20), Buffer.from('\n%%EOF\n')]);

/** Every stored_name of every table against the files in the store. */
async function storeConsistency(): Promise<{ rowsWithoutFile: string[]; filesWithoutRow: string[]; files: number }> {
  const columns = await db('information_schema.columns').where({ table_schema: 'public' }).andWhere((q) => q.where('column_name', 'stored_name').orWhere('column_name', 'like', '%\\_stored_name')).select('table_name', 'column_name');
  const names = new Set<string>();
  for (const { table_name, column_name } of columns as { table_name: string; column_name: string }[]) for (const n of await db(table_name).pluck(column_name)) if (n) names.add(n);
  const storeDir = path.join(database.uploadDir, 'store');
  const files = fs.existsSync(storeDir)
    ? (fs.readdirSync(storeDir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(storeDir, f)).isFile()).map((f) => f.split(path.sep).join('/'))
    : [];
  const fileSet = new Set(files);
  return { rowsWithoutFile: [...names].filter((n) => !fileSet.has(n)), filesWithoutRow: files.filter((f) => !names.has(f)), files: files.length };
}

async function correctionForm(c: Client, baseURL: string): Promise<Record<string, string>> {
  const page = await c.get(`${baseURL}/mydata/record/basic/correct`);
  expect(page.status).toBe(200);
  const recordId = /<select id="recordId"[\s\S]*?<option value="(\d+)"/.exec(page.text)?.[1] ?? '';
  const field = /<select id="field"[\s\S]*?<option value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  return { recordId, field, reason: '姓名誤植', proposed: '王小明' };
}

async function postCorrection(c: Client, baseURL: string, fields: Record<string, string>, file = PDF) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('files', new Blob([file], { type: 'application/pdf' }), '證明.pdf');
  const res = await fetch(`${baseURL}/mydata/record/basic/correct?_csrf=${encodeURIComponent(c.csrf)}`, { method: 'POST', headers: { cookie: c.cookieHeader() }, body: form, redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}

describe('uploads across instances and crashes', () => {
  it('a file kept through A is served by B', async () => {
    const [a, b] = await Promise.all([startInstance('a', database), startInstance('b', database)]);
    instances.push(a, b);
    const c = new Client();
    await c.signIn(a.baseURL, 'wang.xiaoming');
    const fields = await correctionForm(c, a.baseURL);
    const res = await postCorrection(c, a.baseURL, fields);
    expect(res.status).toBe(303);
    const detail = await c.get(`${b.baseURL}${res.location}`);
    const link = /href="(\/mydata\/attachments\/\d+)"/.exec(detail.text)?.[1];
    expect(link).toBeTruthy();
    const file = await fetch(`${b.baseURL}${link}`, { headers: { cookie: c.cookieHeader() } });
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(PDF)).toBe(true);
  });

  it('an instance killed in the middle of uploads leaves no half-written rows and no orphan files', async () => {
    const victim = await startInstance('victim', database);
    instances.push(victim);
    const c = new Client();
    await c.signIn(victim.baseURL, 'wang.xiaoming');
    const fields = await correctionForm(c, victim.baseURL);
    const before = Number((await db('mydata_correction').count<{ count: string }[]>('id as count'))[0]!.count);
    const lastId = Number((await db('mydata_correction').max<{ max: number }[]>('id as max'))[0]!.max ?? 0);
    let acknowledged = 0;
    let stop = false;
    const workers = Array.from({ length: 6 }, async () => {
      while (!stop) {
        try {
          const r = await postCorrection(c, victim.baseURL, fields);
          if (r.status === 303) acknowledged++;
        } catch {
          return; // the instance is gone
        }
      }
    });
    await waitFor('some uploads to be acknowledged', async () => acknowledged >= 5, 60_000, 50);
    victim.kill();
    stop = true;
    await Promise.all(workers);
    // Partial uploads of the dead instance may remain in incoming/ (the daily sweep removes
    // them after an hour); nothing half-done reached the store or the tables.
    // Its successor removes files kept without their rows (UPLOAD_ORPHAN_MINUTES=0 here: no
    // other instance is writing; in production files must be 10 minutes old first).
    const successor = await startInstance('successor', database, { UPLOAD_ORPHAN_MINUTES: '0' });
    instances.push(successor);
    const after = Number((await db('mydata_correction').count<{ count: string }[]>('id as count'))[0]!.count);
    expect(after - before).toBeGreaterThanOrEqual(acknowledged);
    const withoutFiles = await db('mydata_correction as c').leftJoin('mydata_correction_attachment as a', 'a.correction_id', 'c.id').where('c.id', '>', lastId).whereNull('a.id').count<{ count: string }[]>('c.id as count');
    expect(Number(withoutFiles[0]!.count), 'corrections saved without their proof').toBe(0);
    const consistency = await storeConsistency();
    expect(consistency.rowsWithoutFile).toEqual([]);
    expect(consistency.filesWithoutRow).toEqual([]);
    expect(consistency.files).toBeGreaterThanOrEqual(acknowledged);
  });

  it('an unwritable upload folder is refused with a clear message and nothing is saved', async () => {
    const blocked = path.join(database.root, 'blocked-uploads');
    fs.writeFileSync(blocked, 'a file where the folder should be');
    const broken = await startInstance('broken', database, { UPLOAD_DIR: blocked });
    instances.push(broken);
    const c = new Client();
    await c.signIn(broken.baseURL, 'wang.xiaoming');
    const fields = await correctionForm(c, broken.baseURL);
    const before = Number((await db('mydata_correction').count<{ count: string }[]>('id as count'))[0]!.count);
    const res = await postCorrection(c, broken.baseURL, fields);
    expect(res.status).toBe(400);
    expect(res.text).toContain(UPLOAD_MESSAGES.unwritable);
    // What was typed is kept on the form.
    expect(res.text).toContain('姓名誤植');
    const after = Number((await db('mydata_correction').count<{ count: string }[]>('id as count'))[0]!.count);
    expect(after).toBe(before);
  });
});
