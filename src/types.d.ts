import type { SessionUser } from './platform/identity/sessionUser';

declare global {
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
    interface Request {
      id: string;
    }
  }
}
export {};
