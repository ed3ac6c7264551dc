import { describe, expect, it } from 'vitest';
import { CONDITIONS_FILE_POLICY, STEPS, STEP_KEYS, STEP_TITLES, afterSave, canVisit, firstIncomplete, isComplete, nextStep, pathFor, previousStep, withAnswer, type StepKey, type WizardState } from '../../src/cloud/apply/wizard';
import { applicationContent, canonicalJson, deriveStatus, digestOf, parseReview } from '../../src/cloud/apply/service';
import { periodErrors, splitIps, step2Schema, step3Schema } from '../../src/cloud/apply/schemas';
import { FormError } from '../../src/platform/errors';

const state = (kind: string | null, completed: string[]): WizardState => ({ answers: kind ? { step4: { kind } } : {}, completed });

describe('the wizard order', () => {
  it('branches at 步驟四', () => {
    expect(pathFor(state('file', []))).toEqual(['step1', 'step2', 'step3', 'step4', 'step5a', 'step6']);
    expect(pathFor(state('ws', []))).toEqual(['step1', 'step2', 'step3', 'step4', 'step5b', 'step6']);
    expect(nextStep('step4', state('ws', []))).toBe('step5b');
    expect(nextStep('step4', state('file', []))).toBe('step5a');
    expect(previousStep('step6', state('ws', []))).toBe('step5b');
    expect(previousStep('step1', state(null, []))).toBeNull();
    expect(nextStep('step6', state('file', []))).toBeNull();
  });

  it('lets a step be visited only when the earlier ones are complete', () => {
    const s = state('file', ['step1', 'step2']);
    expect(canVisit('step3', s)).toBe(true);
    expect(canVisit('step4', s)).toBe(false);
    expect(canVisit('step5b', s)).toBe(false);
    expect(firstIncomplete(s)).toBe('step3');
    expect(isComplete(s)).toBe(false);
    expect(isComplete(state('file', ['step1', 'step2', 'step3', 'step4', 'step5a']))).toBe(true);
    // The other branch's step does not count.
    expect(isComplete(state('ws', ['step1', 'step2', 'step3', 'step4', 'step5a']))).toBe(false);
  });
});

describe('the step table', () => {
  const FILE_PATH = ['step1', 'step2', 'step3', 'step4', 'step5a', 'step6'];
  const WS_PATH = ['step1', 'step2', 'step3', 'step4', 'step5b', 'step6'];

  it('declares every step once, each reachable by one path or the other', () => {
    expect(Object.keys(STEPS)).toEqual([...STEP_KEYS]);
    for (const k of STEP_KEYS) expect(STEPS[k].key).toBe(k);
    expect(new Set([...FILE_PATH, ...WS_PATH])).toEqual(new Set(STEP_KEYS));
    expect(STEP_TITLES.step5a).toBe('步驟五A：條件說明');
    expect(STEP_TITLES.done).toBe('步驟七：線上申請完成，下載介接申請書');
  });

  it('every path: 步驟四 decides between 五A and 五B; no answer yet means 五A', () => {
    expect(pathFor(state(null, []))).toEqual(FILE_PATH);
    expect(pathFor(state('file', []))).toEqual(FILE_PATH);
    expect(pathFor(state('ws', []))).toEqual(WS_PATH);
    expect(pathFor(state('other', []))).toEqual(FILE_PATH);
    for (const [kind, path] of [['file', FILE_PATH], ['ws', WS_PATH]] as const) {
      const s = state(kind, []);
      path.forEach((step, i) => {
        expect(nextStep(step as StepKey, s)).toBe(path[i + 1] ?? null);
        expect(previousStep(step as StepKey, s)).toBe(path[i - 1] ?? null);
      });
    }
    // A step off the path has neither.
    expect(nextStep('step5b', state('file', []))).toBeNull();
    expect(previousStep('step5a', state('ws', []))).toBeNull();
  });

  it('skipping by URL leads to the first incomplete step', () => {
    for (const [kind, path] of [['file', FILE_PATH], ['ws', WS_PATH]] as const) {
      for (let done = 0; done < path.length; done++) {
        const s = state(kind, path.slice(0, done));
        expect(firstIncomplete(s)).toBe(path[done]);
        path.forEach((step, i) => expect(canVisit(step as StepKey, s)).toBe(i <= done));
      }
    }
  });

  it('only the step forms read input, and only 五A takes a file (one, at most 5 MB)', () => {
    expect(STEP_KEYS.filter((k) => STEPS[k].upload)).toEqual(['step5a']);
    expect(CONDITIONS_FILE_POLICY).toMatchObject({ maxFiles: 1, maxFileBytes: 5 * 1024 * 1024 });
    expect(STEP_KEYS.filter((k) => !STEPS[k].parse)).toEqual(['step6']);
    expect(STEPS.step5a.catalog).toBe('file');
    expect(STEPS.step5b.catalog).toBe('ws');
    const ctx = { today: '2026-11-24', serviceCodes: ['SQ_PA_001'] };
    expect(() => STEPS.step5b.parse!({ services: 'SQ_XX_999' }, ctx)).toThrow(FormError);
    expect(STEPS.step5b.parse!({ services: 'SQ_PA_001' }, ctx)).toEqual({ services: ['SQ_PA_001'] });
    expect(() => STEPS.step4.parse!({ kind: 'both' }, ctx)).toThrow(FormError);
    let refused: unknown = null;
    try {
      STEPS.step1.parse!({ periodFrom: '115/11/01' }, ctx);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(FormError);
    expect(Object.keys((refused as FormError).errors).slice(0, 4)).toEqual(['contactName', 'contactPhone', 'contactEmail', 'periodFrom']);
    expect((refused as FormError).errors.periodFrom).toBe('服務使用起日不可早於今天');
  });

  it('a changed 步驟四 un-completes both 步驟五; the same answer keeps them', () => {
    const s = state('file', ['step1', 'step2', 'step3', 'step4', 'step5a']);
    expect(withAnswer(s, 'step4', { kind: 'ws' }, true).completed).toEqual(['step1', 'step2', 'step3', 'step4']);
    expect(withAnswer(s, 'step4', { kind: 'file' }, true).completed).toEqual(['step1', 'step2', 'step3', 'step5a', 'step4']);
    const invalid = withAnswer(s, 'step2', { os: 'x' }, false);
    expect(invalid.completed).toEqual(['step1', 'step3', 'step4', 'step5a']);
    expect(invalid.answers.step2).toEqual({ os: 'x' });
  });

  it('after saving: 下一步 goes on, 上一步 back, and a 修改 from 步驟六 returns there when complete', () => {
    const all = state('file', ['step1', 'step2', 'step3', 'step4', 'step5a']);
    expect(afterSave('step2', all, 'next')).toEqual({ step: 'step3', fromCheck: false });
    expect(afterSave('step2', all, 'next', true)).toEqual({ step: 'step6', fromCheck: false });
    expect(afterSave('step2', all, 'back', true)).toEqual({ step: 'step1', fromCheck: false });
    expect(afterSave('step1', all, 'back')).toEqual({ step: 'step1', fromCheck: false });
    // 步驟四 changed from 步驟六: the new 步驟五 first, still on the way back to 步驟六.
    const changed = state('ws', ['step1', 'step2', 'step3', 'step4']);
    expect(afterSave('step4', changed, 'next', true)).toEqual({ step: 'step5b', fromCheck: true });
    expect(afterSave('step5b', { ...changed, completed: [...changed.completed, 'step5b'] }, 'next', true)).toEqual({ step: 'step6', fromCheck: false });
  });
});

describe('the canonical digest', () => {
  it('does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });

  it('changes with any answer, the agency or the draft', () => {
    const d = { id: 'd1', file: null, answers: { step1: { contactName: '林小美' }, step4: { kind: 'ws' }, step5b: { services: ['SQ_TA_001', 'SQ_MA_001'] } } };
    const agency = { id: 1, code: 'A096C0000Q', name: '國立臺北護理健康大學' };
    const base = digestOf(applicationContent(d, agency));
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(digestOf(applicationContent({ ...d, answers: { ...d.answers, step5b: { services: ['SQ_MA_001', 'SQ_TA_001'] } } }, agency))).toBe(base);
    expect(digestOf(applicationContent({ ...d, answers: { ...d.answers, step1: { contactName: '王大明' } } }, agency))).not.toBe(base);
    expect(digestOf(applicationContent({ ...d, id: 'd2' }, agency))).not.toBe(base);
    expect(digestOf(applicationContent(d, { ...agency, id: 2 }))).not.toBe(base);
  });
});

describe('the status', () => {
  it('is derived from the lines', () => {
    expect(deriveStatus(['pending', 'approved'])).toBe('pending');
    expect(deriveStatus(['approved', 'approved'])).toBe('approved');
    expect(deriveStatus(['rejected'])).toBe('rejected');
    expect(deriveStatus(['approved', 'rejected'])).toBe('partial');
  });

  it('the review needs a result per line and a note for 不通過', () => {
    expect(() => parseReview([1, 2], { result_1: 'approved', result_2: 'rejected' })).toThrow(FormError);
    try {
      parseReview([1, 2], { result_1: 'maybe', result_2: 'rejected', note_2: ' ' });
    } catch (e) {
      expect((e as FormError).errors).toEqual({ result_1: '請選擇每一項服務的審核結果（通過或不通過）', note_2: '不通過的服務請填寫審核說明' });
    }
    expect(parseReview([1], { result_1: 'rejected', note_1: '不符' })).toMatchObject({ result_1: 'rejected', note_1: '不符' });
  });
});

describe('the fields', () => {
  it('服務使用起迄: not in the past, end after start, ROC or ISO', () => {
    expect(periodErrors({ periodFrom: '115/11/23', periodTo: '115/12/01' }, '2026-11-24')).toEqual({ periodFrom: '服務使用起日不可早於今天' });
    expect(periodErrors({ periodFrom: '2026-11-24', periodTo: '115/11/24' }, '2026-11-24')).toEqual({ periodTo: '服務使用迄日必須晚於起日' });
    expect(periodErrors({ periodFrom: '115/11/24', periodTo: '115/11/25' }, '2026-11-24')).toEqual({});
  });

  it('IP位置: IPv4 and IPv6, separated by commas or spaces', () => {
    expect(splitIps('10.0.0.1,  10.0.0.2、2001:db8::1')).toEqual(['10.0.0.1', '10.0.0.2', '2001:db8::1']);
    const base = { systemName: 'a', os: 'b', language: 'c', databaseName: 'd', computerName: 'e' };
    expect(step2Schema.parse({ ...base, ipAddresses: '10.0.0.1 10.0.0.1 ::1' }).ipAddresses).toBe('10.0.0.1, ::1');
    expect(step2Schema.safeParse({ ...base, ipAddresses: '10.0.0.256' }).success).toBe(false);
    expect(step2Schema.safeParse({ ...base, ipAddresses: Array.from({ length: 21 }, (_, i) => `10.0.0.${i + 1}`).join(',') }).success).toBe(false);
  });

  it('介接系統使用之對象: one or more of the three', () => {
    expect(step3Schema.parse({ userScopes: 'internal' }).userScopes).toEqual(['internal']);
    expect(step3Schema.parse({ userScopes: ['internal', 'external', 'internal'] }).userScopes).toEqual(['internal', 'external']);
    expect(step3Schema.safeParse({}).success).toBe(false);
    expect(step3Schema.safeParse({ userScopes: ['all'] }).success).toBe(false);
  });
});
