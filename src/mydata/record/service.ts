import { NotFoundError } from '../../platform/errors';
import type { RecordRepository } from './repository';

/** 資料查詢及校對 and 待遇表查詢: the person's own record and pay, read only. */
export function createRecordService(records: RecordRepository) {
  return {
    async record(personId: number) {
      const r = await records.record(personId);
      if (!r) throw new NotFoundError('查無人事資料');
      return r;
    },

    async pay(personId: number, month: string | null) {
      const months = await records.payMonths(personId);
      const chosen = month && months.includes(month) ? month : (months[0] ?? null);
      const items = chosen ? await records.payItems(personId, chosen) : [];
      const earnings = items.filter((i) => i.kind === 'earning');
      const deductions = items.filter((i) => i.kind === 'deduction');
      const sum = (xs: { amount: number }[]) => xs.reduce((a, b) => a + b.amount, 0);
      return { months, month: chosen, earnings, deductions, totalEarnings: sum(earnings), totalDeductions: sum(deductions), net: sum(earnings) - sum(deductions) };
    },
  };
}

export type RecordService = ReturnType<typeof createRecordService>;
