import type { PlatformDeps } from '../platform/deps';
import type { RequestContext } from '../platform/identity/context';
import type { SessionUser } from '../platform/identity/sessionUser';
import type { SignedResponse } from '../platform/identity/accountRules';
import type { CardType, CertificateFacts } from '../platform/pki/profiles';

/** Signing an application with the agency card: the auth area's card login provides it. */
export interface CardSignatures {
  /** `title`: the document's title, shown by the card component's popup beside the digest. */
  signChallenge(user: SessionUser, digestHex: string, title?: string): Promise<{ tbs: string }>;
  verifyDocumentSignature(user: SessionUser, input: SignedResponse, digestHex: string, ctx: RequestContext): Promise<CertificateFacts & { cardType: CardType; certB64: string }>;
  /** The same card's encryption certificate (cert2), checked; refuses when missing or not usable. */
  encryptionCertificate(
    card: CertificateFacts & { cardType: CardType; certB64: string },
    encCertb64: string,
    ctx: RequestContext,
  ): Promise<{ certB64: string; thumbprint: string }>;
}

/** What 人事雲端服務平台 is built from; src/services.ts wires it. */
export type CloudDeps = Pick<PlatformDeps, 'db' | 'config' | 'logger' | 'clock' | 'audit' | 'mail' | 'uploads' | 'verification' | 'identity' | 'content'> & {
  cardLogin: CardSignatures;
};
