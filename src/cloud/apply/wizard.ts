import { FormError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import type { UploadPolicy } from '../../platform/uploads';
import { UPLOAD_POLICIES } from '../../platform/uploadPolicies';
import { periodErrors, step1Schema, step2Schema, step3Schema, step4Schema, step5aSchema, step5bSchema } from './schemas';

/**
 * The 申請服務 wizard as data (seed 002 六): 步驟一 … 步驟四, then 步驟五A for
 * 單次服務(檔案交換) or 步驟五B for 即時Web Service連線服務, then 步驟六 (sign and submit).
 * Each step is declared once below: its title, how its form is read, the catalog it
 * offers, its upload policy and the step after it.
 */
export const STEP_KEYS = ['step1', 'step2', 'step3', 'step4', 'step5a', 'step5b', 'step6'] as const;
export type StepKey = (typeof STEP_KEYS)[number];

export type Kind = 'file' | 'ws';
export type Answers = Partial<Record<StepKey, Record<string, unknown>>>;

/** A draft's answers per step and the steps that passed validation. */
export interface WizardState {
  answers: Answers;
  completed: readonly string[];
}

/** What a step's form needs besides the body: today in Taipei and the codes it offers. */
export interface ParseContext {
  today: string;
  serviceCodes: readonly string[];
}

export interface StepDef {
  key: StepKey;
  title: string;
  /** Validates the posted form (a FormError lists the messages); absent for 步驟六. */
  parse?: (body: unknown, ctx: ParseContext) => Record<string, unknown>;
  /** The services the step offers, from the catalog. */
  catalog?: Kind;
  /** The step takes one file upload under this policy (field `file`). */
  upload?: UploadPolicy;
  /** When this answer changes, these steps no longer count as complete. */
  resets?: { field: string; steps: readonly StepKey[] };
  /** The step after this one, for these answers (null: the last step). */
  next: (answers: Answers) => StepKey | null;
}

/** 步驟五A 上傳之檔案: one explanatory file (its limits live with every other upload policy). */
export const CONDITIONS_FILE_POLICY: UploadPolicy = UPLOAD_POLICIES.cloudConditions;

const STEP1_FIELDS = ['contactName', 'contactPhone', 'contactEmail', 'periodFrom', 'periodTo', 'purpose', 'legalBasis', 'specificPurpose'];

/** 步驟一: the schema, then the period's start and order; errors in the order of the form. */
function parseStep1(body: unknown, { today }: ParseContext): Record<string, unknown> {
  const errors: Record<string, string> = {};
  const parsed = step1Schema().safeParse(body ?? {});
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? '_form')] ??= issue.message;
  for (const [k, m] of Object.entries(periodErrors(body, today))) errors[k] ??= m;
  if (Object.keys(errors).length || !parsed.success) {
    const ordered: Record<string, string> = {};
    for (const k of STEP1_FIELDS) if (errors[k]) ordered[k] = errors[k];
    throw new FormError({ ...ordered, ...errors });
  }
  return parsed.data;
}

export function kindOf(state: Pick<WizardState, 'answers'>): Kind | null {
  const k = state.answers.step4?.kind;
  return k === 'file' || k === 'ws' ? k : null;
}

export const STEPS: Readonly<Record<StepKey, StepDef>> = {
  step1: { key: 'step1', title: '步驟一：填寫機關基本資料', parse: parseStep1, next: () => 'step2' },
  step2: { key: 'step2', title: '步驟二：介接系統基本資料', parse: (body) => parseForm(step2Schema, body), next: () => 'step3' },
  step3: { key: 'step3', title: '步驟三：填寫介接系統使用之對象', parse: (body) => parseForm(step3Schema, body), next: () => 'step4' },
  step4: {
    key: 'step4',
    title: '步驟四：資料交換服務提供方式',
    parse: (body) => parseForm(step4Schema, body),
    // Changing 步驟四 changes the path: neither branch's 步驟五 counts any more.
    resets: { field: 'kind', steps: ['step5a', 'step5b'] },
    next: (answers) => (kindOf({ answers }) === 'ws' ? 'step5b' : 'step5a'),
  },
  step5a: {
    key: 'step5a',
    title: '步驟五A：條件說明',
    parse: (body, { serviceCodes }) => parseForm(step5aSchema(serviceCodes), body),
    catalog: 'file',
    upload: CONDITIONS_FILE_POLICY,
    next: () => 'step6',
  },
  step5b: { key: 'step5b', title: '步驟五：選擇資料交換需求', parse: (body, { serviceCodes }) => parseForm(step5bSchema(serviceCodes), body), catalog: 'ws', next: () => 'step6' },
  step6: { key: 'step6', title: '步驟六：確定提出申請', next: () => null },
};

export const FIRST_STEP: StepKey = 'step1';
/** The page that lists every answer with 修改 links and signs (check answers). */
export const CHECK_STEP: StepKey = 'step6';

export const STEP_TITLES: Record<StepKey | 'done', string> = {
  ...(Object.fromEntries(STEP_KEYS.map((k) => [k, STEPS[k].title])) as Record<StepKey, string>),
  done: '步驟七：線上申請完成，下載介接申請書',
};

export function isStepKey(value: unknown): value is StepKey {
  return typeof value === 'string' && (STEP_KEYS as readonly string[]).includes(value);
}

/** The path through the wizard for these answers, following each step's `next`. */
export function pathFor(state: Pick<WizardState, 'answers'>): StepKey[] {
  const path: StepKey[] = [];
  for (let s: StepKey | null = FIRST_STEP; s && !path.includes(s); s = STEPS[s].next(state.answers)) path.push(s);
  return path;
}

export function nextStep(step: StepKey, state: Pick<WizardState, 'answers'>): StepKey | null {
  const path = pathFor(state);
  const i = path.indexOf(step);
  return i >= 0 && i < path.length - 1 ? path[i + 1]! : null;
}

export function previousStep(step: StepKey, state: Pick<WizardState, 'answers'>): StepKey | null {
  const path = pathFor(state);
  const i = path.indexOf(step);
  return i > 0 ? path[i - 1]! : null;
}

/** The first step on the path that is not yet complete (步驟六 when all are). */
export function firstIncomplete(state: WizardState): StepKey {
  for (const s of pathFor(state)) {
    if (s === CHECK_STEP || !state.completed.includes(s)) return s;
  }
  return CHECK_STEP;
}

/** A step may be shown when it is on the path and every step before it is complete. */
export function canVisit(step: StepKey, state: WizardState): boolean {
  const path = pathFor(state);
  const i = path.indexOf(step);
  if (i < 0) return false;
  return path.slice(0, i).every((s) => state.completed.includes(s));
}

/** Every step of the path before 步驟六 is complete: the application can be signed. */
export function isComplete(state: WizardState): boolean {
  return canVisit(CHECK_STEP, state);
}

/**
 * The state after saving `values` for `step` (valid: the step counts as complete).
 * A changed answer named by the step's `resets` un-completes the steps it names.
 */
export function withAnswer(state: WizardState, step: StepKey, values: Record<string, unknown>, valid: boolean): { answers: Answers; completed: string[] } {
  const answers: Answers = { ...state.answers, [step]: values };
  let completed = state.completed.filter((s) => s !== step);
  if (valid) completed.push(step);
  const resets = STEPS[step].resets;
  if (resets && state.answers[step]?.[resets.field] !== values[resets.field]) completed = completed.filter((s) => !(resets.steps as readonly string[]).includes(s));
  return { answers, completed };
}

/**
 * Where saving a step leads. 下一步 goes on along the path; when the step was opened by a
 * 修改 link of 步驟六 (`fromCheck`), it returns to 步驟六 as soon as every step is complete
 * again (a changed 步驟四 first asks for the other branch's 步驟五). 上一步 goes back one.
 */
export function afterSave(step: StepKey, state: WizardState, direction: 'next' | 'back', fromCheck = false): { step: StepKey; fromCheck: boolean } {
  if (direction === 'back') return { step: previousStep(step, state) ?? step, fromCheck: false };
  if (fromCheck && isComplete(state)) return { step: CHECK_STEP, fromCheck: false };
  const next = nextStep(step, state) ?? step;
  return { step: next, fromCheck: fromCheck && next !== CHECK_STEP };
}
