import type { PicsRouteDeps } from '../routeDeps';
import type { ScheduledJob } from '../../platform/scheduler';
import { rocShort } from '../../platform/dates';

/** 管制稽催: each morning the desk supervisors get the list of overdue open tickets. */
export async function remindOverdue(services: PicsRouteDeps, now: Date): Promise<{ overdue: number; mailed: number }> {
  const { pics, mail } = services;
  const due = await pics.desk.overdueReminder(now);
  if (!due?.overdue.length) return { overdue: 0, mailed: 0 };
  const { overdue } = due;
  const lines = overdue.map((t) => `${t.receiptNo}　${t.subject}　期限 ${rocShort(t.dueOn)}　承辦 ${t.assigneeName ?? '未分派'}`);
  let mailed = 0;
  for (const s of due.supervisors) {
    if (!s.email) continue;
    await mail.queue({
      to: s.email,
      subject: `[PICS] 管制稽催：逾期未結案件 ${overdue.length} 件（${rocShort(now)}）`,
      text: `${s.name} 您好：\n\n截至 ${rocShort(now)} 尚有下列逾期未結案件：\n\n${lines.join('\n')}\n\n請至 PICS 客服工作台「逾期案件」督導處理。`,
    });
    mailed++;
  }
  return { overdue: overdue.length, mailed };
}

export function deskJobs(services: PicsRouteDeps): ScheduledJob[] {
  return [{ name: 'pics.overdue-reminder', dailyAt: '08:30', run: (now) => remindOverdue(services, now) }];
}
