import type { PlatformDeps } from '../platform/deps';

/** What MyData is built from; src/services.ts wires it. */
export type MydataDeps = Pick<PlatformDeps, 'db' | 'config' | 'clock' | 'audit' | 'uploads' | 'verification' | 'content'>;
