/** The web service's own tables: its call log and the client certificates it answers. */
import type { Db } from '../../platform/database';

export interface WsCallLog {
  applicationNumber: string | null;
  agencyId: number | null;
  serviceCode: string | null;
  thumbprint: string | null;
  status: number;
  result: string;
  rows: number;
  durationMs: number;
  ip: string | null;
  path: string;
}

export interface WsCallerRow {
  clientId: number;
  applicationId: number;
  applicationNumber: string;
  agencyId: number;
  kind: string;
  status: string;
  periodFrom: string;
  periodTo: string;
  revoked: boolean;
}

export function createWsRepository(db: Db) {
  return {
    async logCall(c: WsCallLog) {
      await db('cloud_ws_call').insert({
        application_number: c.applicationNumber,
        agency_id: c.agencyId,
        service_code: c.serviceCode,
        thumbprint: c.thumbprint,
        status: c.status,
        result: c.result,
        rows: c.rows,
        duration_ms: c.durationMs,
        ip: c.ip,
        path: c.path,
      });
    },
    /** The application a client certificate was issued for (revoked ones too). */
    callerByThumbprint(thumbprint: string): Promise<WsCallerRow | undefined> {
      return db('cloud_ws_client as c')
        .join('cloud_application as a', 'a.id', 'c.application_id')
        .where('c.thumbprint', thumbprint)
        .first(
          'c.id as clientId', 'a.id as applicationId', 'a.number as applicationNumber', 'a.agency_id as agencyId', 'a.kind', 'a.status',
          db.raw(`to_char(a.period_from, 'YYYY-MM-DD') as "periodFrom"`), db.raw(`to_char(a.period_to, 'YYYY-MM-DD') as "periodTo"`), db.raw('c.revoked_at is not null as revoked'),
        );
    },
    /** The application's approved services that are still offered, in catalogue order. */
    approvedServices(applicationId: number): Promise<Array<{ code: string; name: string; description: string; tableName: string | null }>> {
      return db('cloud_application_service as l')
        .join('cloud_service as s', 's.id', 'l.service_id')
        .leftJoin('cloud_dict_table as t', 't.id', 's.table_id')
        .where({ 'l.application_id': applicationId, 'l.result': 'approved', 's.active': true })
        .select('s.code', 's.name', 's.description', 't.name as tableName')
        .orderBy([{ column: 's.sort_order' }, { column: 's.id' }]);
    },
  };
}
