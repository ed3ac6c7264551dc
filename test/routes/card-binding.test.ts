import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildApp, csrfFrom, lastAudit, makeAccount, signIn } from '../support/app';
import { certThumbprint, signAs } from '../support/cards';
import { ACTIVATION_ERRORS } from '../../src/auth/cardLogin';
import { CERT_ERRORS } from '../../src/platform/pki/verify';
import { issueDemoCard } from '../../seeds/demoPki';

const t = buildApp();
afterAll(() => t.close());

async function bindChallenge(agent: Awaited<ReturnType<typeof signIn>>['agent'], csrf: string) {
  const res = await agent.post('/my/cards/challenge').set('x-csrf-token', csrf).set('accept', 'application/json');
  expect(res.status).toBe(200);
  return res.body.tbs as string;
}

describe('自然人憑證上傳: binding a further card', () => {
  it('binds the signed-in person’s own card, once, and lists it', async () => {
    const { agent } = await signIn(t.app, 'hr.chief');
    const page = await agent.get('/my/cards');
    expect(page.status).toBe(200);
    const csrf = csrfFrom(page.text);
    const tbs = await bindChallenge(agent, csrf);
    expect(tbs.startsWith('ecpa-bind\n')).toBe(true);
    const ok = await agent.post('/my/cards').type('form').send({ _csrf: csrf, ...signAs('hr-chief', tbs) });
    expect(ok.status).toBe(303);
    expect(await t.db('card_binding').where({ thumbprint: certThumbprint('hr-chief') }).first()).toMatchObject({ card_number: 'TP03000000000002' });
    expect(await lastAudit(t.db, 'auth.card_bind')).toMatchObject({ outcome: 'ok' });
    const list = await agent.get('/my/cards');
    expect(list.text).toContain('TP03000000000002');
    expect(list.text).toContain('已綁定自然人憑證');

    const again = await agent.post('/my/cards').type('form').send({ _csrf: csrf, ...signAs('hr-chief', await bindChallenge(agent, csrf)) });
    expect(again.status).toBe(400);
    expect(again.text).toContain('此憑證已綁定');
  });

  it('refuses someone else’s card with the mismatch message and binds nothing', async () => {
    const { agent, csrf } = await signIn(t.app, 'hr.moi');
    const before = await t.db('card_binding').count({ n: '*' }).first();
    const res = await agent.post('/my/cards').type('form').send({ _csrf: csrf, ...signAs('agency-dgpa', await bindChallenge(agent, csrf)) });
    expect(res.status).toBe(400);
    const res2 = await agent.post('/my/cards').type('form').send({ _csrf: csrf, ...signAs('hr-chief', await bindChallenge(agent, csrf)) });
    expect(res2.status).toBe(400);
    expect([res.text, res2.text].join('')).toContain(ACTIVATION_ERRORS.not_holder);
    expect(await t.db('card_binding').count({ n: '*' }).first()).toEqual(before);
  });

  it('refuses an expired card, and a tbs issued for sign-in', async () => {
    const { agent, csrf } = await signIn(t.app, 'chen.meiling');
    const expired = await agent.post('/my/cards').type('form').send({ _csrf: csrf, ...signAs('expired', await bindChallenge(agent, csrf)) });
    expect(expired.status).toBe(400);
    expect(expired.text).toContain(CERT_ERRORS.cert_expired);
    const loginTbs = (await agent.post('/login/certificate/challenge').set('x-csrf-token', csrf)).body.tbs as string;
    const wrongPurpose = await agent.post('/my/cards').type('form').send({ _csrf: csrf, ...signAs('chen-meiling-nhi', loginTbs) });
    expect(wrongPurpose.status).toBe(400);
    expect(wrongPurpose.text).toContain('用途不符');
  });

  it('needs a signed-in person and a CSRF token', async () => {
    const { agent } = await signIn(t.app, 'wang.xiaoming');
    const noToken = await agent.post('/my/cards').type('form').send({ tbs: 'x' });
    expect(noToken.status).toBe(403);
  });

  it('binds a card only on the certificate authority’s word: a namesake’s genuine card with the same last 4 digits is refused', async () => {
    const person = await makeAccount(t.db);
    const { name } = await t.db('person').where({ id: person.personId }).first();
    const namesakeId = `A${person.nationalId.slice(1)}`;
    const namesake = issueDemoCard(inject('pkiDir'), { name: 'upload-namesake', ca: 'moica', holderName: name, nationalId: namesakeId, cardNumber: 'TP03000000000093' });
    const own = issueDemoCard(inject('pkiDir'), { name: 'upload-own', ca: 'moica', holderName: name, nationalId: person.nationalId, cardNumber: 'TP03000000000092' });
    const { agent, csrf } = await signIn(t.app, person.login);

    const refused = await agent.post('/my/cards').type('form').send({ _csrf: csrf, ...signAs('upload-namesake', await bindChallenge(agent, csrf)) });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(ACTIVATION_ERRORS.not_holder);
    expect(await t.db('card_binding').where({ thumbprint: namesake.thumbprint }).first()).toBeUndefined();
    expect(await lastAudit(t.db, 'auth.card_bind')).toMatchObject({ outcome: 'failed', actor_account_id: person.accountId, details: { reason: 'not_holder', thumbprint: namesake.thumbprint } });

    const ok = await agent.post('/my/cards').type('form').send({ _csrf: csrf, ...signAs('upload-own', await bindChallenge(agent, csrf)) });
    expect(ok.status).toBe(303);
    expect(await t.db('card_binding').where({ thumbprint: own.thumbprint }).first()).toMatchObject({ account_id: person.accountId });
  });
});
