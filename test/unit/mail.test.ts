import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MASKED, openText, renderMail, sealText } from '../../src/platform/mail';

const key = crypto.randomBytes(32);

describe('mail secrets', () => {
  it('masks each secret in the stored text and puts it in the delivered one', () => {
    const r = renderMail({ to: 'a@example.gov.tw', subject: 's', text: '密碼：{{password}}\n再一次：{{password}}', secrets: { password: 'K5L6H5W8' } });
    expect(r.masked).toBe(`密碼：${MASKED}\n再一次：${MASKED}`);
    expect(r.delivered).toBe('密碼：K5L6H5W8\n再一次：K5L6H5W8');
  });

  it('leaves a mail without secrets as it is', () => {
    expect(renderMail({ to: 'a@example.gov.tw', subject: 's', text: '內文 {{x}}' })).toEqual({ masked: '內文 {{x}}', delivered: '內文 {{x}}' });
  });

  it('refuses a secret that is not in the text, is empty, or is also written in clear', () => {
    expect(() => renderMail({ to: 'a', subject: 's', text: '沒有', secrets: { password: 'K5L6H5W8' } })).toThrow();
    expect(() => renderMail({ to: 'a', subject: 's', text: '{{password}}', secrets: { password: '' } })).toThrow();
    expect(() => renderMail({ to: 'a', subject: 's', text: 'K5L6H5W8 {{password}}', secrets: { password: 'K5L6H5W8' } })).toThrow();
  });

  it('opens what it sealed for the same address only, with the same key only', () => {
    const box = sealText(key, 'a@example.gov.tw', '密碼：K5L6H5W8');
    expect(box).not.toContain('K5L6H5W8');
    expect(openText(key, 'A@example.gov.tw', box)).toBe('密碼：K5L6H5W8');
    expect(() => openText(key, 'b@example.gov.tw', box)).toThrow();
    expect(() => openText(crypto.randomBytes(32), 'a@example.gov.tw', box)).toThrow();
    const [v, iv, tag, ct] = box.split('.');
    const flipped = Buffer.from(ct!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => openText(key, 'a@example.gov.tw', [v, iv, tag, flipped.toString('base64url')].join('.'))).toThrow();
  });
});
