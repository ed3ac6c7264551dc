import type { PlatformDeps } from '../platform/deps';
import type { AuthService } from './service';
import type { CardLoginService } from './cardLogin';

/** What the sign-in pages use; src/services.ts wires it. */
export type AuthRouteDeps = Pick<PlatformDeps, 'db' | 'audit'> & {
  auth: AuthService;
  cardLogin: CardLoginService;
  /** Called when someone signs in or out: the portal forgets its per-user caches. */
  forgetCaches: () => void;
};
