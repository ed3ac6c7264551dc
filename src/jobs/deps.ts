import type { PlatformDeps } from '../platform/deps';

/** What 事求人 is built from; src/services.ts wires it. */
export type JobsDeps = Pick<PlatformDeps, 'db' | 'config' | 'clock' | 'audit' | 'mail' | 'uploads' | 'identity' | 'logger' | 'scheduler'> & {
  /** The MyData resume of an applicant (mydata area), with the application's free text. */
  resumePdf: (personId: number, opts?: { extraText?: string }) => Promise<Buffer>;
};
