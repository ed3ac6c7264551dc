import { DomainError } from '../../platform/errors';
import type { CorrectionStatus } from './repository';

export type HandlingStep = 'take' | 'accept' | 'reject';

/**
 * 更正申請處理 as data: which status each HR step starts from, the status it leads to, and
 * what is said when the request is no longer there (another HR user got there first).
 */
export const HANDLING: Record<HandlingStep, { from: readonly CorrectionStatus[]; to: CorrectionStatus; refusal: string }> = {
  take: { from: ['submitted'], to: 'processing', refusal: '此申請已在處理中或已結案' },
  accept: { from: ['submitted', 'processing'], to: 'corrected', refusal: '此申請已結案，無法再處理' },
  reject: { from: ['submitted', 'processing'], to: 'rejected', refusal: '此申請已結案，無法再處理' },
};

/** Whether HR may take the step on a request in this status. */
export const mayHandle = (step: HandlingStep, status: CorrectionStatus) => HANDLING[step].from.includes(status);

/** A request gone by (or missing) is a 409 with the step's message. */
export function checkHandleable<T extends { status: CorrectionStatus }>(step: HandlingStep, current: T | null): asserts current is T {
  if (!current || !mayHandle(step, current.status)) throw new DomainError('mydata_state', HANDLING[step].refusal, 409);
}

/** The status the step leads to, once the request is checked. */
export function nextStatus(step: HandlingStep, current: { status: CorrectionStatus } | null): CorrectionStatus {
  checkHandleable(step, current);
  return HANDLING[step].to;
}
