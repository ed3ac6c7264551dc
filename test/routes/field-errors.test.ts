import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, makeAccount, signIn } from '../support/app';
import { expectZhPage, formErrors, inputValue } from '../support/routes';

/*
 * A DomainError about one input (it carries `field`) comes back on the same form beside that
 * input: the error summary links to it, the message sits by it and the input points at it.
 */
const t = buildApp();
afterAll(() => t.close());

let seq = 0;
const uniq = () => `${process.pid}${++seq}`;

/** The message shown beside a field, checked to be linked from the summary and described by the input. */
function besideField(html: string, name: string): string | null {
  const message = new RegExp(`<p class="error-message" id="${name}-error"><span class="visually-hidden">錯誤：</span>([^<]*)</p>`).exec(html)?.[1] ?? null;
  if (message === null) return null;
  expect(html).toContain(`<li><a href="#${name}">${message}</a></li>`);
  const input = new RegExp(`<input id="${name}"[^>]*>`).exec(html)?.[0] ?? '';
  expect(input).toMatch(new RegExp(`aria-describedby="[^"]*\\b${name}-error\\b`));
  expect(input).toContain('aria-invalid="true"');
  return message;
}

describe('a DomainError with a field is shown beside that field', () => {
  it('個人資料: a custom account already in use, beside 自訂帳號 (400)', async () => {
    const other = await makeAccount(t.db, { username: `Field.${uniq()}` });
    const a = await makeAccount(t.db, {});
    const s = await signIn(t.app, a.login);
    const res = await s.agent.post('/my/profile').type('form').send({ _csrf: s.csrf, username: other.username!, email: a.email, phone: '', egovOptIn: 'yes' });
    expectZhPage(res, 400);
    expect(formErrors(res.text)).toEqual(['此自訂帳號已有人使用，請改用其他帳號']);
    expect(besideField(res.text, 'username')).toBe('此自訂帳號已有人使用，請改用其他帳號');
    expect(besideField(res.text, 'email')).toBeNull();
    expect(inputValue(res.text, 'username')).toBe(other.username!);
  });

  it('核發獎勵令: a document for oneself, beside 身分證統一編號 (403)', async () => {
    const a = await makeAccount(t.db, { agencyCode: 'A096C0000Q', roles: ['hr_supervisor', 'hr_staff'] });
    const s = await signIn(t.app, a.login);
    const res = await s.agent
      .post('/mydata/hr/documents')
      .type('form')
      .send({ _csrf: s.csrf, nationalId: a.nationalId, kind: 'reward_order', rewardKind: '嘉獎二次', reason: '欄位錯誤顯示測試', purpose: '' });
    expectZhPage(res, 403);
    expect(besideField(res.text, 'nationalId')).toBe('不得核發文件予您本人，請由本機關其他人事人員或人事主管辦理。');
    expect(inputValue(res.text, 'nationalId')).toBe(a.nationalId);
  });
});
