/**
 * The platform's 13 services (seed 002 服務說明, SPEC §5) and the data dictionary of the
 * synthetic HR table behind each one: the seed writes them; administrators edit them later.
 */
export interface DictFieldDef {
  column: string;
  label: string;
  type: string;
  length?: number;
  description?: string;
}
export interface ServiceDef {
  code: string;
  name: string;
  description: string;
  category: string;
  table: string;
  tableTitle: string;
  fields: DictFieldDef[];
}

const AGENCY: DictFieldDef[] = [{ column: 'agency_id', label: '機關序號', type: 'integer', description: '機關於平台之序號（對照代碼檔）' }];
const PERSON: DictFieldDef[] = [
  ...AGENCY,
  { column: 'national_id', label: '身分證統一編號', type: 'varchar', length: 10 },
  { column: 'name', label: '姓名', type: 'varchar', length: 50 },
];

export const SERVICES: ServiceDef[] = [
  {
    code: 'SQ_PA_001', name: '機關編制資料', description: '機關組織編制資料', category: '組織編制資料', table: 'hr_establishment', tableTitle: '機關編制表',
    fields: [...AGENCY, { column: 'unit', label: '單位', type: 'varchar', length: 50 }, { column: 'title', label: '職稱', type: 'varchar', length: 50 }, { column: 'rank_range', label: '官等職等', type: 'varchar', length: 50 }, { column: 'series', label: '職系', type: 'varchar', length: 50 }, { column: 'authorized', label: '編制員額', type: 'integer' }, { column: 'filled', label: '現有員額', type: 'integer' }],
  },
  {
    code: 'SQ_PA_002', name: '職務歸系資料', description: '職務歸系資料', category: '組織編制資料', table: 'hr_job_series', tableTitle: '職務歸系表',
    fields: [...AGENCY, { column: 'title', label: '職稱', type: 'varchar', length: 50 }, { column: 'series_code', label: '職系代碼', type: 'varchar', length: 10 }, { column: 'series_name', label: '職系名稱', type: 'varchar', length: 50 }, { column: 'rank_range', label: '職等範圍', type: 'varchar', length: 50 }, { column: 'effective_on', label: '生效日期', type: 'date' }],
  },
  {
    code: 'SQ_TA_002', name: '考績資料', description: '考績資料', category: '銓審資料', table: 'hr_performance', tableTitle: '考績資料表',
    fields: [...PERSON, { column: 'rating_year', label: '考績年度', type: 'integer', description: '民國年' }, { column: 'grade', label: '考績等次', type: 'varchar', length: 2, description: '甲、乙、丙、丁' }, { column: 'score', label: '考績分數', type: 'integer' }, { column: 'approved_on', label: '銓敘審定日期', type: 'date' }],
  },
  {
    code: 'SQ_MA_001', name: '退休資料', description: '退休基本資料', category: '退撫資料', table: 'hr_retirement', tableTitle: '退休資料表',
    fields: [...PERSON, { column: 'retire_kind', label: '退休種類', type: 'varchar', length: 10, description: '自願退休、屆齡退休、命令退休' }, { column: 'retire_on', label: '退休生效日期', type: 'date' }, { column: 'service_years', label: '任職年資', type: 'numeric', length: 5 }, { column: 'pension_kind', label: '退休金種類', type: 'varchar', length: 20 }, { column: 'last_rank', label: '退休時職等', type: 'varchar', length: 30 }],
  },
  {
    code: 'SQ_COM_01', name: '代碼檔', description: '代碼檔', category: '共通性資料', table: 'hr_code', tableTitle: '代碼檔',
    fields: [{ column: 'code_type', label: '代碼類別', type: 'varchar', length: 30 }, { column: 'code', label: '代碼', type: 'varchar', length: 20 }, { column: 'code_name', label: '代碼名稱', type: 'varchar', length: 100 }],
  },
  {
    code: 'SQ_TA_001', name: '銓審資料', description: '銓審資料', category: '銓審資料', table: 'hr_appointment_review', tableTitle: '銓敘審定資料表',
    fields: [...PERSON, { column: 'title', label: '職稱', type: 'varchar', length: 50 }, { column: 'rank', label: '官等職等', type: 'varchar', length: 30 }, { column: 'review_kind', label: '審定類別', type: 'varchar', length: 10, description: '初任、升任、調任' }, { column: 'result', label: '審定結果', type: 'varchar', length: 20 }, { column: 'doc_no', label: '審定文號', type: 'varchar', length: 30 }, { column: 'approved_on', label: '審定日期', type: 'date' }],
  },
  {
    code: 'SQ_TA_005', name: '更名資料', description: '更名資料', category: '銓審資料', table: 'hr_name_change', tableTitle: '更名資料表',
    fields: [...AGENCY, { column: 'national_id', label: '身分證統一編號', type: 'varchar', length: 10 }, { column: 'old_name', label: '原姓名', type: 'varchar', length: 50 }, { column: 'new_name', label: '新姓名', type: 'varchar', length: 50 }, { column: 'changed_on', label: '更名日期', type: 'date' }],
  },
  {
    code: 'SQ_MA_002', name: '撫卹資料', description: '撫卹基本資料', category: '退撫資料', table: 'hr_survivor_pension', tableTitle: '撫卹資料表',
    fields: [...PERSON, { column: 'death_on', label: '死亡日期', type: 'date' }, { column: 'cause', label: '撫卹原因', type: 'varchar', length: 20 }, { column: 'pension_kind', label: '撫卹金種類', type: 'varchar', length: 20 }, { column: 'beneficiaries', label: '遺族人數', type: 'integer' }, { column: 'approved_on', label: '核定日期', type: 'date' }],
  },
  {
    code: 'SQ_TA_003', name: '獎懲資料', description: '獎懲基本本資料', category: '銓審資料', table: 'hr_reward', tableTitle: '獎懲資料表',
    fields: [...PERSON, { column: 'kind', label: '獎懲類別', type: 'varchar', length: 10 }, { column: 'times', label: '次數', type: 'integer' }, { column: 'reason', label: '事由', type: 'varchar', length: 200 }, { column: 'effective_on', label: '生效日期', type: 'date' }],
  },
  {
    code: 'SQ_TA_004', name: '卸職資料', description: '卸職基本資料', category: '銓審資料', table: 'hr_separation', tableTitle: '卸職資料表',
    fields: [...PERSON, { column: 'reason', label: '卸職原因', type: 'varchar', length: 10 }, { column: 'left_on', label: '卸職日期', type: 'date' }, { column: 'last_title', label: '卸職時職稱', type: 'varchar', length: 50 }],
  },
  {
    code: 'SQ_TA_006', name: '聘用資料', description: '聘用人員資料', category: '銓審資料', table: 'hr_contract_staff', tableTitle: '聘用人員資料表',
    fields: [...PERSON, { column: 'title', label: '職稱', type: 'varchar', length: 50 }, { column: 'contract_kind', label: '進用類別', type: 'varchar', length: 10, description: '聘用、約僱' }, { column: 'pay_point', label: '報酬薪點', type: 'integer' }, { column: 'start_on', label: '契約起日', type: 'date' }, { column: 'end_on', label: '契約迄日', type: 'date' }],
  },
  {
    code: 'SQ_TA_007', name: '模範公務人員', description: '模範公務人員資料', category: '獎勵表揚資料', table: 'hr_model_servant', tableTitle: '模範公務人員資料表',
    fields: [...PERSON, { column: 'award_year', label: '表揚年度', type: 'integer', description: '民國年' }, { column: 'title', label: '職稱', type: 'varchar', length: 50 }, { column: 'deed', label: '具體事蹟', type: 'varchar', length: 300 }],
  },
  {
    code: 'SQ_TA_008', name: '勳獎章資料', description: '勳獎章資料', category: '獎勵表揚資料', table: 'hr_medal', tableTitle: '勳獎章資料表',
    fields: [...PERSON, { column: 'medal', label: '勳獎章名稱', type: 'varchar', length: 30 }, { column: 'grade', label: '等級', type: 'varchar', length: 10 }, { column: 'awarded_on', label: '頒授日期', type: 'date' }],
  },
];
