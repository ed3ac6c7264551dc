import crypto from 'node:crypto';
import { actorOf } from '../../platform/identity/actor';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import { DomainError, ForbiddenError, FormError, NotFoundError } from '../../platform/errors';
import { rocShort } from '../../platform/dates';
import { parseForm } from '../../platform/validation';
import { loadPlatformPki, type PlatformPki } from '../../platform/pki/platform';
import type { MydataDeps } from '../deps';
import { OWN_DOCUMENT_MESSAGE, OWN_DOCUMENT_PRINT_MESSAGE, hrAgencies, isOwn, type Denied } from '../access';
import { DOCUMENT_KINDS, ONLINE_REWARD_KINDS } from '../sections';
import { documentBuffer, maskNationalId } from '../pdf';
import type { RecordRepository } from '../record/repository';
import { createDocumentsRepository, type IssuedDocument } from './repository';
import { issueSchema } from './schemas';

type Ctx = RequestContext;

/**
 * 線上檢視訊息 (the person's consent to receive documents online), 個人檔案夾 (the documents
 * received), and HR's 核發獎勵令及證明書 with its record and the printing of paper ones.
 */
export function createDocumentsService(core: Pick<MydataDeps, 'db' | 'audit' | 'clock' | 'uploads' | 'verification' | 'config'>, records: RecordRepository, denied: Denied) {
  const { db, audit, clock, uploads, verification } = core;
  const repo = createDocumentsRepository(db);
  let pki: PlatformPki | null = null;
  const platformPki = () => (pki ??= loadPlatformPki(core.config.pkiDir));

  async function consentState(personId: number) {
    const events = await repo.consentEvents(personId);
    return { granted: events[0]?.action === 'grant', since: events[0]?.at ?? null, events };
  }

  return {
    consentState,

    async setConsent(u: SessionUser, decision: 'grant' | 'withdraw', ctx: Ctx) {
      await db.transaction(async (trx) => {
        await records.lockPerson(trx, u.personId);
        const events = await repo.consentEvents(u.personId, trx);
        const granted = events[0]?.action === 'grant';
        if (decision === 'grant' && granted) return;
        if (decision === 'withdraw' && !granted) throw new DomainError('mydata_consent', '您尚未同意線上檢視，無需撤回', 409);
        await repo.addConsentEvent(trx, u.personId, decision, u.accountId, clock());
        await audit.record({ actor: actorOf(u), action: `mydata.consent.${decision}`, target: { type: 'person', id: u.personId }, ip: ctx.ip, requestId: ctx.requestId }, trx);
      });
    },

    /**
     * HR issues a 獎勵令 or a certificate: the PDF carries a reserved verification code,
     * is signed with the platform signer on the agency's behalf and registered. People
     * who have not agreed to receive documents online get it on paper (marked for printing).
     */
    async issueDocument(u: SessionUser, body: unknown, ctx: Ctx): Promise<{ id: number; delivery: 'online' | 'paper'; code: string }> {
      const input = parseForm(issueSchema, body);
      const person = await records.personByNationalId(input.nationalId);
      if (!person || !hrAgencies(u).includes(person.agency_id)) {
        await denied(u, 'mydata.document.denied', { type: 'national_id', id: input.nationalId.slice(0, 3) + '…' }, ctx, { reason: 'out_of_scope' });
        throw new FormError({ nationalId: '查無此人員，或此人員不屬於您服務的機關' });
      }
      if (isOwn(u, { personId: person.id })) {
        await denied(u, 'mydata.document.denied', { type: 'person', id: person.id }, ctx, { reason: 'own_record', kind: input.kind });
        throw new DomainError('own_record', OWN_DOCUMENT_MESSAGE, 403, 'nationalId');
      }
      if (input.kind === 'reward_order' && !ONLINE_REWARD_KINDS.includes(input.rewardKind)) {
        throw new FormError({ rewardKind: `電子獎勵令限記功以下，請選擇：${ONLINE_REWARD_KINDS.join('、')}` });
      }
      if (input.kind === 'resignation_cert' && person.status !== '卸職') throw new FormError({ kind: '此人員仍在職，無法核發離職證明書' });
      if (input.kind === 'employment_cert' && person.status !== '在職') throw new FormError({ kind: '此人員已卸職，無法核發在職證明書' });
      const consent = await consentState(person.id);
      const delivery: 'online' | 'paper' = consent.granted ? 'online' : 'paper';
      const kindLabel = DOCUMENT_KINDS[input.kind]!;
      const now = clock();
      const code = verification.newCode();
      const pkiNow = platformPki();
      const signer = `${person.agency_name}（人事服務網文件簽章金鑰代為簽章）`;
      const title = `${kindLabel}－${person.name}`;
      const orderNo = `${person.agency_name.slice(0, 6)}人字第${rocShort(now).replace(/\//g, '')}${String(Math.floor(now.getTime() / 1000) % 100000).padStart(5, '0')}號`;
      const content = {
        kindLabel,
        title,
        personName: person.name,
        nationalIdMasked: maskNationalId(person.national_id),
        agencyName: person.agency_name,
        unit: person.unit,
        jobTitle: person.title,
        rank: person.rank,
        appointedOn: person.appointed_on,
        leftOn: person.left_on,
        rewardKind: input.kind === 'reward_order' ? input.rewardKind : undefined,
        reason: input.kind === 'reward_order' ? input.reason : undefined,
        purpose: input.kind === 'reward_order' ? undefined : input.purpose,
        orderNo,
        code,
        issuedAt: now,
        signer,
        delivery,
      };
      const pdf = await documentBuffer(content);
      const sha256 = crypto.createHash('sha256').update(pdf).digest('hex');
      const signature = crypto.sign('sha256', pdf, pkiNow.signerKeyObject).toString('base64');
      const storedName = await uploads.put(pdf);
      try {
        const id = await db.transaction(async (trx) => {
          await verification.register({ code, kind: kindLabel, title, issuerName: person.agency_name, issuerAgencyId: person.agency_id, sha256, signer, area: 'mydata', issuedAt: now }, trx);
          const docId = await repo.insertDocument(trx, {
            personId: person.id,
            agencyId: person.agency_id,
            code,
            kind: input.kind,
            title,
            content: { rewardKind: content.rewardKind ?? '', reason: content.reason ?? '', purpose: content.purpose ?? '', orderNo },
            storedName,
            sha256,
            signature,
            signer,
            delivery,
            issuedByAccountId: u.accountId || null,
            issuedAt: now,
          });
          await audit.record(
            { actor: actorOf(u), action: 'mydata.document.issue', target: { type: 'mydata_document', id: docId }, ip: ctx.ip, requestId: ctx.requestId, details: { kind: input.kind, personId: person.id, code, delivery } },
            trx,
          );
          return docId;
        });
        return { id, delivery, code };
      } catch (err) {
        await uploads.remove(storedName);
        throw err;
      }
    },

    async folder(u: SessionUser) {
      return repo.onlineDocumentsOf(u.personId);
    },

    /** A document for its person (online ones) or the HR staff of its agency; reading changes nothing. */
    async documentFor(u: SessionUser, id: number, ctx: Ctx): Promise<IssuedDocument> {
      const d = await repo.document(id);
      const mine = d && d.personId === u.personId && d.delivery === 'online';
      const hr = d && hrAgencies(u).includes(d.agencyId);
      if (!d || (!mine && !hr)) {
        await denied(u, 'mydata.document.denied', { type: 'mydata_document', id }, ctx);
        throw new NotFoundError('查無此文件');
      }
      await audit.record({ actor: actorOf(u), action: 'mydata.document.download', target: { type: 'mydata_document', id }, ip: ctx.ip, requestId: ctx.requestId });
      return d;
    },

    /**
     * HR marks a paper document as printed for delivery: HR of its agency only (404 otherwise),
     * never for a document of their own (403, four eyes); both refusals audited.
     */
    async markPrinted(u: SessionUser, id: number, ctx: Ctx) {
      const d = await repo.document(id);
      if (!d || !hrAgencies(u).includes(d.agencyId)) {
        await denied(u, 'mydata.document.denied', { type: 'mydata_document', id }, ctx, { step: 'print' });
        throw new NotFoundError('查無此文件');
      }
      if (isOwn(u, d)) {
        await denied(u, 'mydata.document.denied', { type: 'mydata_document', id }, ctx, { step: 'print', reason: 'own_record' });
        throw new ForbiddenError(OWN_DOCUMENT_PRINT_MESSAGE);
      }
      if (d.delivery !== 'paper') throw new DomainError('mydata_state', '此文件以線上方式送達，無須列印', 409);
      await db.transaction(async (trx) => {
        await repo.markPrinted(trx, id, clock());
        await audit.record({ actor: actorOf(u), action: 'mydata.document.printed', target: { type: 'mydata_document', id }, ip: ctx.ip, requestId: ctx.requestId }, trx);
      });
      return d;
    },

    async issuedDocuments(u: SessionUser, page: number) {
      const size = 20;
      const { total, list } = await repo.documentsOfAgencies(hrAgencies(u), size, (page - 1) * size);
      return { total, list: list.map((d) => ({ ...d, own: isOwn(u, d) })), page, pages: Math.max(1, Math.ceil(total / size)) };
    },

    /** Verifies a stored document's signature with the platform signer certificate. */
    verifySignature(d: Pick<IssuedDocument, 'signature'>, pdf: Buffer): boolean {
      return crypto.verify('sha256', pdf, crypto.createPublicKey(platformPki().signerCertPem), Buffer.from(d.signature, 'base64'));
    },
  };
}

export type DocumentsService = ReturnType<typeof createDocumentsService>;
