/**
 * The 申請服務 wizard's order as data (seed 002 六): 步驟一 … 步驟四, then 步驟五A for
 * 單次服務(檔案交換) or 步驟五B for 即時Web Service連線服務, then 步驟六 (sign and submit).
 */
export const STEP_KEYS = ['step1', 'step2', 'step3', 'step4', 'step5a', 'step5b', 'step6'] as const;
export type StepKey = (typeof STEP_KEYS)[number];

export const STEP_TITLES: Record<StepKey | 'done', string> = {
  step1: '步驟一：填寫機關基本資料',
  step2: '步驟二：介接系統基本資料',
  step3: '步驟三：填寫介接系統使用之對象',
  step4: '步驟四：資料交換服務提供方式',
  step5a: '步驟五A：條件說明',
  step5b: '步驟五：選擇資料交換需求',
  step6: '步驟六：確定提出申請',
  done: '步驟七：線上申請完成，下載介接申請書',
};

export type Kind = 'file' | 'ws';

export interface WizardState {
  answers: Partial<Record<StepKey, Record<string, unknown>>>;
  completed: readonly string[];
}

export function isStepKey(value: unknown): value is StepKey {
  return typeof value === 'string' && (STEP_KEYS as readonly string[]).includes(value);
}

export function kindOf(state: Pick<WizardState, 'answers'>): Kind | null {
  const k = state.answers.step4?.kind;
  return k === 'file' || k === 'ws' ? k : null;
}

/** The path through the wizard for these answers (步驟五 depends on 步驟四). */
export function pathFor(state: Pick<WizardState, 'answers'>): StepKey[] {
  return ['step1', 'step2', 'step3', 'step4', kindOf(state) === 'ws' ? 'step5b' : 'step5a', 'step6'];
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
    if (s === 'step6') return s;
    if (!state.completed.includes(s)) return s;
  }
  return 'step6';
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
  return canVisit('step6', state);
}
