import { describe, expect, it } from 'vitest';
import { HANDLING, checkHandleable, mayHandle, nextStatus } from '../../src/mydata/corrections/handling';
import { DomainError } from '../../src/platform/errors';

// 更正申請處理 as data: 受理 only a new request; 更正 or 不予更正 until it is closed; a closed
// request (or one gone) is a 409 with the step's own message.
describe('handling a MyData correction request', () => {
  it('takes only a submitted request, into processing', () => {
    expect(nextStatus('take', { status: 'submitted' })).toBe('processing');
    for (const status of ['processing', 'corrected', 'rejected'] as const) expect(mayHandle('take', status), status).toBe(false);
  });

  it('accepts or rejects a submitted or processing request, and nothing closed', () => {
    for (const status of ['submitted', 'processing'] as const) {
      expect(nextStatus('accept', { status })).toBe('corrected');
      expect(nextStatus('reject', { status })).toBe('rejected');
    }
    for (const status of ['corrected', 'rejected'] as const) {
      expect(mayHandle('accept', status)).toBe(false);
      expect(mayHandle('reject', status)).toBe(false);
    }
  });

  it('refuses with a 409 and the step’s message', () => {
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return null;
    };
    const taken = refusal(() => nextStatus('take', { status: 'processing' }));
    expect(taken).toBeInstanceOf(DomainError);
    expect(taken).toMatchObject({ status: 409, message: '此申請已在處理中或已結案' });
    expect(refusal(() => checkHandleable('accept', null))).toMatchObject({ status: 409, message: '此申請已結案，無法再處理' });
    expect(refusal(() => checkHandleable('reject', { status: 'corrected' }))).toMatchObject({ message: HANDLING.reject.refusal });
    expect(refusal(() => checkHandleable('reject', { status: 'processing' }))).toBeNull();
  });
});
