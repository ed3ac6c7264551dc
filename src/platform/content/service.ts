import type { SessionUser } from '../identity/sessionUser';
import { hasRole } from '../identity/sessionUser';
import type { RequestContext } from '../identity/context';
import { actorOf } from '../identity/actor';
import type { AuditService } from '../audit';
import type { Db } from '../database';
import { rocShort, taipeiToday } from '../dates';
import { ForbiddenError, NotFoundError } from '../errors';
import { parseForm } from '../validation';
import type { ContentKind, ContentSite } from './kinds';
import { createContentRepository, type ContentFile, type ContentPage, type ContentRow, type PageRequest } from './repository';

type Ctx = Pick<RequestContext, 'ip' | 'requestId'>;

export const EDITOR_LIST_SIZE = 20;

const SITE_EDITORS: Record<ContentSite, string> = {
  pics: '僅客服主管可以維護 PICS 內容',
  cloud: '僅銓敘部管理者可以維護人事雲端服務平台內容',
  portal: '僅人事服務網管理者可以維護公告',
  mydata: '僅人事服務網管理者可以維護公告',
};

/**
 * The content of every site, kind by kind (src/platform/content/kinds.ts): what the public
 * reads and what the editors change. Each change and its audit entry are one transaction;
 * an unknown id is a 404 with an audit entry; a user without the kind's role is refused (403,
 * audited) here too, whatever route the call comes from.
 */
export function createContentService(deps: { db: Db; audit: AuditService; clock: () => Date; kinds: readonly ContentKind[] }) {
  const { db, audit, clock, kinds } = deps;
  const repo = createContentRepository(db);
  const listeners: ((kind: ContentKind) => void)[] = [];
  const changed = (kind: ContentKind) => {
    for (const fn of listeners) fn(kind);
  };
  const record = (u: SessionUser, action: string, target: { type: string; id: string | number }, ctx: Ctx, details: Record<string, unknown> = {}, trx?: Db, outcome: 'ok' | 'denied' | 'failed' = 'ok') =>
    audit.record({ actor: actorOf(u), action, outcome, target, ip: ctx.ip, requestId: ctx.requestId, details }, trx);
  const today = () => taipeiToday(clock());
  const titleOf = (kind: ContentKind, v: Record<string, unknown>) => String(v[kind.titleField] ?? '').slice(0, 100);

  async function requireEditor(u: SessionUser, kind: ContentKind, what: string, ctx: Ctx) {
    if (hasRole(u, kind.editorRole)) return;
    await record(u, 'access.denied', { type: `${kind.site}_content`, id: `${kind.slug}.${what}` }, ctx, { required: [kind.editorRole] }, undefined, 'denied');
    throw new ForbiddenError(SITE_EDITORS[kind.site]);
  }

  async function missing(u: SessionUser, kind: ContentKind, id: string | number, ctx: Ctx): Promise<never> {
    await record(u, `${kind.auditPrefix}.not_found`, { type: kind.auditType, id: String(id).slice(0, 100) }, ctx, {}, undefined, 'failed');
    throw new NotFoundError(`查無此${kind.noun}`);
  }

  return {
    /** The kinds of one site, as services.ts registered them (so an area that edits another's content needs no import of it). */
    kindsOf: (site: ContentSite): ContentKind[] => kinds.filter((k) => k.site === site),

    /** Called after every change of an entry (caches of the pages that show it). */
    onChange(fn: (kind: ContentKind) => void) {
      listeners.push(fn);
    },

    // --- what the public sees ---

    /** A page of the entries the public sees today (search in the kind's searchFields with `q`). */
    published: (kind: ContentKind, opts: PageRequest & { q?: string }): Promise<ContentPage> => repo.page(kind, { ...opts, today: today() }),
    /** The first `limit` published entries (all without a limit). */
    latest: (kind: ContentKind, opts: { limit?: number; q?: string } = {}): Promise<readonly ContentRow[]> => repo.rows(kind, { ...opts, today: today() }),
    /** A published entry, or a 404. */
    async publishedItem(kind: ContentKind, id: number | null): Promise<ContentRow> {
      const row = id === null ? undefined : await repo.find(kind, id, { today: today() });
      if (!row) throw new NotFoundError(`查無此${kind.noun}`);
      return row;
    },

    // --- what the editors do ---

    list: (kind: ContentKind, page: number, size = EDITOR_LIST_SIZE): Promise<ContentPage> => repo.page(kind, { page, size, clamp: true }),

    /** What a new entry's form starts with: today's date, the next 排序. */
    async newValues(kind: ContentKind): Promise<Record<string, string>> {
      const values: Record<string, string> = {};
      for (const f of kind.fields) {
        if (f.initial !== undefined) values[f.name] = f.initial;
        else if (f.input === 'date' && !f.optional) values[f.name] = rocShort(today());
        else if (f.input === 'sort') values[f.name] = String(await repo.nextSortOrder(kind));
      }
      return values;
    },

    /** An entry by id, published or not; an unknown (or malformed) id is a 404, audited. */
    async item(u: SessionUser, kind: ContentKind, id: number | null, raw: string, ctx: Ctx): Promise<ContentRow> {
      const row = id === null ? undefined : await repo.find(kind, id);
      return row ?? missing(u, kind, raw, ctx);
    },

    /** An entry as its form shows it (dates in ROC form). */
    formValues(kind: ContentKind, row: ContentRow): Record<string, string> {
      return Object.fromEntries(kind.fields.map((f) => [f.name, f.input === 'date' ? (row[f.name] ? rocShort(String(row[f.name])) : '') : String(row[f.name] ?? '')]));
    },

    /**
     * Checks the form (a FormError keeps what was typed), then adds the entry; `file` for kinds
     * with an upload; `within` does more in the same transaction (its failure adds nothing).
     */
    async create(
      u: SessionUser,
      kind: ContentKind,
      body: unknown,
      ctx: Ctx,
      opts: { file?: ContentFile; within?: (trx: Db, id: number) => Promise<void> } = {},
    ): Promise<{ id: number; title: string }> {
      await requireEditor(u, kind, 'create', ctx);
      const input = parseForm(kind.schema, body);
      const title = titleOf(kind, input);
      const id = await db.transaction(async (trx: Db) => {
        const id = await repo.insert(trx, kind, input, { authorAccountId: u.accountId || null, file: opts.file });
        await record(u, `${kind.auditPrefix}.create`, { type: kind.auditType, id }, ctx, opts.file ? { title, name: opts.file.originalName, sha256: opts.file.sha256 } : { title }, trx);
        if (opts.within) await opts.within(trx, id);
        return id;
      });
      changed(kind);
      return { id, title };
    },

    async update(u: SessionUser, kind: ContentKind, id: number, body: unknown, ctx: Ctx): Promise<{ id: number; title: string }> {
      await requireEditor(u, kind, 'update', ctx);
      const input = parseForm(kind.schema, body);
      const title = titleOf(kind, input);
      const found = await db.transaction(async (trx: Db) => {
        const before = await repo.update(trx, kind, id, input);
        if (!before) return false;
        const fields = kind.fields.filter((f) => String(before[f.name] ?? '') !== String(input[f.name] ?? '')).map((f) => f.name);
        await record(u, `${kind.auditPrefix}.update`, { type: kind.auditType, id }, ctx, { title, changed: fields }, trx);
        return true;
      });
      if (!found) await missing(u, kind, id, ctx);
      changed(kind);
      return { id, title };
    },

    /** Deletes the entry; its stored file's name (if any) is returned for the caller to remove. */
    async remove(u: SessionUser, kind: ContentKind, id: number | null, raw: string, ctx: Ctx): Promise<{ id: number; title: string; storedName: string | null }> {
      await requireEditor(u, kind, 'delete', ctx);
      const gone =
        id === null
          ? undefined
          : await db.transaction(async (trx: Db) => {
              const row = await repo.delete(trx, kind, id);
              if (row) await record(u, `${kind.auditPrefix}.delete`, { type: kind.auditType, id }, ctx, { title: titleOf(kind, row) }, trx);
              return row;
            });
      if (!gone) return missing(u, kind, raw, ctx);
      changed(kind);
      return { id: gone.id, title: titleOf(kind, gone), storedName: gone.storedName };
    },
  };
}

export type ContentService = ReturnType<typeof createContentService>;
export type { ContentRow, ContentPage, ContentFile } from './repository';
