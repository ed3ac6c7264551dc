import type { Db } from '../../platform/database';
import { keptRead } from '../../platform/readCache';

export interface ConsentEvent {
  action: 'grant' | 'withdraw';
  at: Date;
}

export interface IssuedDocument {
  id: number;
  personId: number;
  agencyId: number;
  code: string;
  kind: string;
  title: string;
  content: Record<string, string>;
  storedName: string;
  sha256: string;
  signature: string;
  signer: string;
  delivery: 'online' | 'paper';
  issuedByAccountId: number | null;
  issuedAt: Date;
  printedAt: Date | null;
  personName?: string;
}

const DOCUMENT_COLUMNS = [
  'd.id', 'd.person_id as personId', 'd.agency_id as agencyId', 'd.code', 'd.kind', 'd.title', 'd.content', 'd.stored_name as storedName', 'd.sha256', 'd.signature',
  'd.signer', 'd.delivery', 'd.issued_by_account_id as issuedByAccountId', 'd.issued_at as issuedAt', 'd.printed_at as printedAt',
];

/** 線上檢視訊息 (the consent events) and the issued 獎勵令 and certificates (mydata_document). */
export function createDocumentsRepository(db: Db) {
  return {
    // --- consent ---
    /** Newest first; kept between requests until the person's events change (never in a transaction). */
    consentEvents(personId: number, trx: Db = db): Promise<readonly ConsentEvent[]> {
      return keptRead(trx, `mydata.consent:${personId}`, [`mydata_consent_event:${personId}`], () =>
        trx('mydata_consent_event').where({ person_id: personId }).select('action', 'at').orderBy('id', 'desc'),
      );
    },
    async addConsentEvent(trx: Db, personId: number, action: 'grant' | 'withdraw', accountId: number, at: Date) {
      await trx('mydata_consent_event').insert({ person_id: personId, action, account_id: accountId || null, at });
    },

    // --- documents ---
    async insertDocument(trx: Db, d: Omit<IssuedDocument, 'id' | 'printedAt' | 'personName'>) {
      const [r] = await trx('mydata_document')
        .insert({
          person_id: d.personId, agency_id: d.agencyId, code: d.code, kind: d.kind, title: d.title, content: JSON.stringify(d.content), stored_name: d.storedName,
          sha256: d.sha256, signature: d.signature, signer: d.signer, delivery: d.delivery, issued_by_account_id: d.issuedByAccountId, issued_at: d.issuedAt,
        })
        .returning('id');
      return (r as { id: number }).id;
    },
    async document(id: number): Promise<IssuedDocument | null> {
      const row = await db('mydata_document as d').join('person as p', 'p.id', 'd.person_id').where('d.id', id).first([...DOCUMENT_COLUMNS, 'p.name as personName']);
      return (row as IssuedDocument) ?? null;
    },
    onlineDocumentsOf(personId: number): Promise<IssuedDocument[]> {
      return db('mydata_document as d').where({ 'd.person_id': personId, 'd.delivery': 'online' }).select(DOCUMENT_COLUMNS).orderBy('d.id', 'desc');
    },
    async documentsOfAgencies(agencyIds: number[], limit: number, offset: number) {
      const base = db('mydata_document as d').join('person as p', 'p.id', 'd.person_id').whereIn('d.agency_id', agencyIds);
      const [{ count }] = (await base.clone().count({ count: '*' })) as [{ count: string }];
      const list = await base.select([...DOCUMENT_COLUMNS, 'p.name as personName']).orderBy('d.id', 'desc').limit(limit).offset(offset);
      return { total: Number(count), list: list as IssuedDocument[] };
    },
    async markPrinted(trx: Db, id: number, at: Date) {
      await trx('mydata_document').where({ id }).whereNull('printed_at').update({ printed_at: at });
    },
  };
}
