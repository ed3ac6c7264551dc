import type { PlatformDeps } from '../platform/deps';

/** What PICS (desk, content, chat) is built from; src/services.ts wires it. */
export type PicsDeps = Pick<PlatformDeps, 'db' | 'config' | 'logger' | 'clock' | 'audit' | 'mail' | 'uploads' | 'lifecycle' | 'content'>;
