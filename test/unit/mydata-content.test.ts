import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { MYDATA_ANNOUNCEMENTS, MYDATA_KINDS } from '../../src/mydata/contentKinds';
import { ROLE_LABELS } from '../../src/portal/catalog';
import { parseForm } from '../../src/platform/validation';

// MyData's 公告 are a kind of the platform's content module: the kind's fields are its
// schema's, in columns of content_item, and the migration that lets content_item hold them
// checks exactly those columns.
const ddl = fs.readFileSync('migrations/20261207030000_content_item_mydata_kind.ts', 'utf8');

describe('the MyData content kind', () => {
  it('is named <site>.<slug> and is allowed by content_item with the columns it fills', () => {
    expect(MYDATA_KINDS.map((k) => k.id)).toEqual(['mydata.announcements']);
    for (const k of MYDATA_KINDS) expect(k.id).toBe(`${k.site}.${k.slug}`);
    const check = /WHEN 'mydata\.announcements' THEN ([^\n]*)/.exec(ddl)![1]!;
    for (const f of MYDATA_ANNOUNCEMENTS.fields.filter((x) => !x.optional || x.name === 'body')) expect(check, f.column).toContain(`${f.column} IS NOT NULL`);
  });

  it('has form fields that are exactly its schema’s, and names title, list, search and order by them', () => {
    const k = MYDATA_ANNOUNCEMENTS;
    const shape = (k.schema as unknown as z.ZodObject).shape as Record<string, unknown>;
    expect(k.fields.map((f) => f.name).sort()).toEqual(Object.keys(shape).sort());
    const names = k.fields.map((f) => f.name);
    expect(names).toContain(k.titleField);
    for (const c of k.list) expect(names).toContain(c.field);
    for (const s of k.searchFields) expect(names).toContain(s);
    for (const o of k.orderBy) expect(['id', ...k.fields.map((f) => f.column)]).toContain(o.column);
    expect(Object.keys(ROLE_LABELS)).toContain(k.editorRole);
  });

  it('shows an announcement from its publish date on, newest first', () => {
    expect(MYDATA_ANNOUNCEMENTS.visible).toBe('published');
    expect(MYDATA_ANNOUNCEMENTS.orderBy[0]).toEqual({ column: 'publish_on', order: 'desc' });
  });

  it('keeps an empty body (the old table’s default) and reads a ROC date', () => {
    expect(parseForm(MYDATA_ANNOUNCEMENTS.schema, { title: '公告', body: '', publishOn: '115/11/30' })).toEqual({ title: '公告', body: '', publishOn: '2026-11-30' });
  });
});
