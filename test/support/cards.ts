import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import request from 'supertest';

/** What the bridge would answer for a demo card: the signature over the tbs and the certificate. */
export function signAs(card: string, tbs: string, opts: { keyOf?: string } = {}) {
  const dir = path.join(inject('pkiDir'), 'cards');
  const key = fs.readFileSync(path.join(dir, opts.keyOf ?? card, 'key.pem'), 'utf8');
  const certPem = fs.readFileSync(path.join(dir, card, 'cert.pem'), 'utf8');
  const certb64 = certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  const signature = crypto.sign('sha256', Buffer.from(tbs, 'utf8'), key).toString('base64');
  // What card.js reads beside the signature: the same card's encryption certificate (cert2).
  const encFile = path.join(dir, card, 'enc-cert.pem');
  const enccertb64 = fs.existsSync(encFile) ? fs.readFileSync(encFile, 'utf8').replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '') : '';
  return { tbs, signature, certb64, enccertb64 };
}

export function certThumbprint(card: string): string {
  const pem = fs.readFileSync(path.join(inject('pkiDir'), 'cards', card, 'cert.pem'), 'utf8');
  return new crypto.X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
}

/**
 * A cookie-keeping client signed in with a demo card (certificate login through the real
 * challenge and verification; the signature made with the card's PEM key). A person card
 * not yet bound is activated with `activateWith` (custom account or national ID).
 * Returns the agent and a CSRF token of the signed-in session.
 */
export async function cardSignIn(
  app: Parameters<typeof request.agent>[0],
  card: string,
  opts: { activateWith?: string } = {},
): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string; landing: string }> {
  const agent = request.agent(app);
  const page = await agent.get('/login/certificate');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  const ch = await agent.post('/login/certificate/challenge').set('x-csrf-token', csrf).set('accept', 'application/json');
  if (ch.status !== 200) throw new Error(`challenge failed: ${ch.status}`);
  const res = await agent.post('/login/certificate').type('form').send({ _csrf: csrf, ...signAs(card, ch.body.tbs) });
  let landing = String(res.headers.location ?? '');
  if (res.status === 303 && landing === '/login/certificate/activate') {
    if (!opts.activateWith) throw new Error(`card ${card} is not bound yet: pass activateWith`);
    const act = await agent.post('/login/certificate/activate').type('form').send({ _csrf: csrf, accountOrId: opts.activateWith });
    if (act.status !== 303) throw new Error(`activation of ${card} failed: ${act.status}`);
    landing = String(act.headers.location);
  } else if (res.status !== 303) {
    throw new Error(`card sign-in with ${card} failed: ${res.status}`);
  }
  // A new session id at login: take a fresh token from a page of the signed-in session.
  const after = await agent.get('/verify');
  return { agent, csrf: /name="_csrf" value="([^"]+)"/.exec(after.text)?.[1] ?? csrf, landing };
}

/** Signs `tbs` for the document-signing flow (same as a login signature). */
export const signDocument = signAs;
