import { describe, expect, it } from 'vitest';
import { receiptNumber } from '../../src/pics/tickets/service';
import { lookupSchema, ticketSchema } from '../../src/pics/tickets/schemas';
import { shiftDay } from '../../src/pics/calendar';
import { WORK_CALENDAR } from '../../src/reference/workCalendar';
import { hashApiKey, newApiKey } from '../../src/pics/webhr';

describe('receipt numbers', () => {
  it('are YYYYMM (Taipei) + channel + 5 digits', () => {
    expect(receiptNumber(new Date('2019-11-05T03:00:00Z'), 'M', 6)).toBe('201911M00006');
    expect(receiptNumber(new Date('2019-11-05T03:00:00Z'), 'H', 1)).toBe('201911H00001');
    // 2026-11-30 16:30 UTC is already 1 December in Taipei.
    expect(receiptNumber(new Date('2026-11-30T16:30:00Z'), 'W', 99999)).toBe('202612W99999');
  });
  it('refuses the 100 000th of a month and channel', () => {
    expect(() => receiptNumber(new Date(), 'C', 100000)).toThrow(/收件序號已用罄/);
  });
});

describe('掛號查詢 input', () => {
  it('accepts a receipt number in any case and ROC or ISO dates', () => {
    expect(lookupSchema.parse({ receiptNo: ' 201911m00006 ', from: '115/11/01', to: '2026-11-30' })).toEqual({ receiptNo: '201911M00006', from: '2026-11-01', to: '2026-11-30' });
    expect(lookupSchema.parse({})).toEqual({ receiptNo: null, from: null, to: null });
  });
  it('refuses a wrong shape and an end before the start', () => {
    expect(lookupSchema.safeParse({ receiptNo: '201911M0006' }).success).toBe(false);
    const r = lookupSchema.safeParse({ from: '115/11/02', to: '115/11/01' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['to']);
    expect(r.error!.issues[0]!.message).toBe('結束日期不可早於開始日期');
  });
  it('allows the same start and end day', () => {
    expect(lookupSchema.safeParse({ from: '115/11/02', to: '2026-11-02' }).success).toBe(true);
  });
});

describe('ticket fields', () => {
  const ok = { kind: '問題', subject: '主旨', description: '說明', phone: '02-23979108', email: 'a@example.gov.tw' };
  it('counts the subject in characters, not bytes', () => {
    expect(ticketSchema.safeParse({ ...ok, subject: '字'.repeat(200) }).success).toBe(true);
    expect(ticketSchema.safeParse({ ...ok, subject: '字'.repeat(201) }).success).toBe(false);
    expect(ticketSchema.safeParse({ ...ok, subject: '😀'.repeat(200) }).success).toBe(true);
  });
  it('needs 問題 or 建議', () => {
    expect(ticketSchema.safeParse({ ...ok, kind: '抱怨' }).success).toBe(false);
  });
});

describe('the seeded work calendar', () => {
  it('lists only weekday holidays and weekend workdays', () => {
    for (const d of WORK_CALENDAR) {
      const wd = new Date(`${d.day}T00:00:00Z`).getUTCDay();
      if (d.kind === 'holiday') expect([1, 2, 3, 4, 5]).toContain(wd);
      else expect([0, 6]).toContain(wd);
    }
    expect(new Set(WORK_CALENDAR.map((d) => d.day)).size).toBe(WORK_CALENDAR.length);
  });
  it('covers 2026 and 2027', () => {
    expect(WORK_CALENDAR.filter((d) => d.day.startsWith('2026')).length).toBeGreaterThan(10);
    expect(WORK_CALENDAR.filter((d) => d.day.startsWith('2027')).length).toBeGreaterThan(10);
  });
  it('shifts days across months and years', () => {
    expect(shiftDay('2026-12-31', 1)).toBe('2027-01-01');
    expect(shiftDay('2026-03-01', -1)).toBe('2026-02-28');
  });
});

describe('API keys', () => {
  it('are random, prefixed, and stored only as a hash', () => {
    const a = newApiKey();
    const b = newApiKey();
    expect(a.key).not.toBe(b.key);
    expect(a.key).toMatch(/^pics_[0-9a-f]{8}_[A-Za-z0-9_-]{32}$/);
    expect(a.sha256).toBe(hashApiKey(a.key));
    expect(a.sha256).not.toContain(a.key.slice(14));
  });
});
