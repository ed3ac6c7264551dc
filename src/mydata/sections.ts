/**
 * The sections of a person's record (資料查詢及校對) and the fields a correction may
 * change: which table holds them and how a corrected value is checked.
 */
export type FieldType = 'text' | 'date' | 'int' | 'enum';

export interface FieldDef {
  label: string;
  type: FieldType;
  max?: number;
  options?: Record<string, string>;
  min?: number;
  maxInt?: number;
  optional?: boolean;
}

export interface SectionDef {
  key: SectionKey;
  label: string;
  table: string;
  /** Several rows per person (education, career…) or the person row itself. */
  multi: boolean;
  fields: Record<string, FieldDef>;
  /** Column order when listed. */
  order?: string;
}

export const SECTION_KEYS = ['basic', 'post', 'education', 'exams', 'career', 'ratings', 'rewards', 'training'] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

export const GENDERS = { M: '男', F: '女' };
export const DEGREES = ['博士', '碩士', '學士', '副學士', '高中（職）'];
export const RATING_GRADES = ['甲等', '乙等', '丙等', '丁等'];
export const REWARD_KINDS = ['嘉獎一次', '嘉獎二次', '記功一次', '記功二次', '記大功一次', '申誡一次', '申誡二次', '記過一次'];
const asOptions = (xs: string[]) => Object.fromEntries(xs.map((x) => [x, x]));

export const SECTIONS: Record<SectionKey, SectionDef> = {
  basic: {
    key: 'basic',
    label: '基本資料',
    table: 'person',
    multi: false,
    fields: {
      name: { label: '姓名', type: 'text', max: 50 },
      birth_date: { label: '出生日期', type: 'date' },
      gender: { label: '性別', type: 'enum', options: GENDERS },
    },
  },
  post: {
    key: 'post',
    label: '現職資料',
    table: 'person',
    multi: false,
    fields: {
      unit: { label: '服務單位', type: 'text', max: 50 },
      title: { label: '職稱', type: 'text', max: 50 },
      rank: { label: '官職等', type: 'text', max: 30 },
      series: { label: '職系', type: 'text', max: 50 },
      personnel_kind: { label: '人員區分', type: 'text', max: 30 },
      appointed_on: { label: '到職日期', type: 'date' },
      office_phone: { label: '辦公室電話', type: 'text', max: 30, optional: true },
    },
  },
  education: {
    key: 'education',
    label: '學歷',
    table: 'mydata_education',
    multi: true,
    order: 'graduated_on',
    fields: {
      school: { label: '學校名稱', type: 'text', max: 100 },
      department: { label: '院系科別', type: 'text', max: 100 },
      degree: { label: '學位', type: 'enum', options: asOptions(DEGREES) },
      graduated_on: { label: '畢業日期', type: 'date' },
    },
  },
  exams: {
    key: 'exams',
    label: '考試',
    table: 'mydata_exam',
    multi: true,
    order: 'passed_on',
    fields: {
      exam_name: { label: '考試名稱', type: 'text', max: 100 },
      category: { label: '類科', type: 'text', max: 100 },
      grade: { label: '等級', type: 'text', max: 20 },
      passed_on: { label: '及格日期', type: 'date' },
    },
  },
  career: {
    key: 'career',
    label: '經歷',
    table: 'mydata_career',
    multi: true,
    order: 'start_on',
    fields: {
      agency_name: { label: '服務機關', type: 'text', max: 100 },
      title: { label: '職稱', type: 'text', max: 50 },
      rank: { label: '官職等', type: 'text', max: 30 },
      start_on: { label: '起日', type: 'date' },
      end_on: { label: '迄日', type: 'date', optional: true },
    },
  },
  ratings: {
    key: 'ratings',
    label: '考績',
    table: 'mydata_rating',
    multi: true,
    order: 'year',
    fields: {
      year: { label: '年度', type: 'int', min: 1, maxInt: 200 },
      grade: { label: '考績等次', type: 'enum', options: asOptions(RATING_GRADES) },
      score: { label: '分數', type: 'int', min: 0, maxInt: 100, optional: true },
    },
  },
  rewards: {
    key: 'rewards',
    label: '獎懲',
    table: 'mydata_reward',
    multi: true,
    order: 'decided_on',
    fields: {
      decided_on: { label: '核定日期', type: 'date' },
      kind: { label: '獎懲類別', type: 'enum', options: asOptions(REWARD_KINDS) },
      reason: { label: '事由', type: 'text', max: 200 },
      order_no: { label: '核定文號', type: 'text', max: 50 },
    },
  },
  training: {
    key: 'training',
    label: '訓練進修',
    table: 'mydata_training',
    multi: true,
    order: 'finished_on',
    fields: {
      course: { label: '課程名稱', type: 'text', max: 100 },
      organizer: { label: '訓練機構', type: 'text', max: 100 },
      hours: { label: '時數', type: 'int', min: 1, maxInt: 2000 },
      finished_on: { label: '結訓日期', type: 'date' },
    },
  },
};

export function isSectionKey(value: unknown): value is SectionKey {
  return typeof value === 'string' && (SECTION_KEYS as readonly string[]).includes(value);
}

/** Correction states as the person and HR see them. */
export const STATUS_LABELS: Record<string, string> = {
  submitted: '已送出',
  processing: '處理中',
  corrected: '已更正',
  rejected: '不予更正',
};

/** Documents HR issues into the personal folder. */
export const DOCUMENT_KINDS: Record<string, string> = {
  reward_order: '獎勵令',
  employment_cert: '在職證明書',
  resignation_cert: '離職證明書',
  service_cert: '服務證明書',
};

/** Online reward orders cover 記功 and below (seed 001: 獎勵令記功以下獎勵令). */
export const ONLINE_REWARD_KINDS = ['嘉獎一次', '嘉獎二次', '記功一次', '記功二次'];
