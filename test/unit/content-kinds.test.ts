import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { ContentKind } from '../../src/platform/content';
import { CONTENT_KINDS as PICS_KINDS } from '../../src/pics/content/contentKinds';
import { CLOUD_EDITED_KINDS, CLOUD_FILES } from '../../src/cloud/site/contentKinds';
import { PORTAL_KINDS } from '../../src/portal/contentKinds';
import { ROLE_LABELS } from '../../src/portal/catalog';

// Every kind of content the three sites keep (src/platform/content): declared as data, so
// the list and form pages, the repository and the audit follow from the declaration alone.
const ALL: ContentKind[] = [...PICS_KINDS, ...CLOUD_EDITED_KINDS, CLOUD_FILES, ...PORTAL_KINDS];
const migration = fs.readFileSync('migrations/20261206730000_content_item.ts', 'utf8');
const checkedKinds = [.../CHECK \(kind IN\s*\(([^)]*)\)\)/.exec(migration)![1]!.matchAll(/'([a-z.]+)'/g)].map((m) => m[1]);

describe('content kinds', () => {
  it('are one per content_item.kind the table allows, named <site>.<slug>', () => {
    expect(ALL.map((k) => k.id).sort()).toEqual([...checkedKinds].sort());
    for (const k of ALL) expect(k.id).toBe(`${k.site}.${k.slug}`);
  });

  it.each(ALL.map((k) => [k.id, k] as const))('%s: its form fields are exactly its schema’s, in columns of content_item', (_id, k) => {
    const shape = (k.schema as unknown as z.ZodObject).shape as Record<string, unknown>;
    expect(k.fields.map((f) => f.name).sort()).toEqual(Object.keys(shape).sort());
    for (const f of k.fields) expect(migration, f.column).toContain(`'${f.column}'`);
  });

  it.each(ALL.map((k) => [k.id, k] as const))('%s: names its title, list, search and order by its own fields', (_id, k) => {
    const names = k.fields.map((f) => f.name);
    const columns = ['id', ...k.fields.map((f) => f.column)];
    expect(names).toContain(k.titleField);
    for (const c of k.list) expect(names).toContain(c.field);
    for (const s of k.searchFields) expect(names).toContain(s);
    for (const o of k.orderBy) expect(columns).toContain(o.column);
  });

  it.each(ALL.map((k) => [k.id, k] as const))('%s: may be edited by a role that exists, and is audited under its own prefix', (_id, k) => {
    expect(Object.keys(ROLE_LABELS)).toContain(k.editorRole);
    expect(k.auditPrefix).toMatch(/^[a-z][a-z_.]*[a-z]$/);
  });

  it('keeps a site’s slugs apart (one URL each) and every kind’s audit apart', () => {
    for (const site of ['pics', 'cloud', 'portal']) {
      const slugs = ALL.filter((k) => k.site === site).map((k) => k.slug);
      expect(new Set(slugs).size).toBe(slugs.length);
    }
    expect(new Set(ALL.map((k) => k.auditPrefix)).size).toBe(ALL.length);
  });

  it('shows an announcement only from its publish date (and, on the portal, until its unpublish date)', () => {
    const visible = Object.fromEntries(ALL.map((k) => [k.id, k.visible]));
    expect(visible).toMatchObject({ 'pics.announcements': 'published', 'portal.announcements': 'window', 'cloud.news': 'always', 'pics.faq': 'always' });
  });
});
