import type { Config } from '../config';
import type { Db } from './database';
import type { Logger } from './logger';
import type { AuditService } from './audit';
import type { MailService } from './mail';
import type { UploadStore } from './uploads';
import type { JobQueue } from './queue';
import type { VerificationService } from './verification';
import type { TrustStore } from './pki/verify';
import type { Identity } from './identity';
import type { ContentService } from './content';

/** Areas that hold resources (a LISTEN connection, timers) register how to let them go. */
export interface Lifecycle {
  onClose(fn: () => Promise<void>): void;
  close(): Promise<void>;
  /** At shutdown, before waiting for requests in flight: let go of long-lived requests (event streams). */
  onDrain(fn: () => void): void;
  drain(): void;
}

/**
 * What the platform offers the areas. Each area declares the part it uses
 * (`Pick<PlatformDeps, 'db' | 'audit' | …>`) in its own deps.ts, and src/services.ts
 * hands it exactly that, plus any other area's function it declares.
 */
export interface PlatformDeps {
  db: Db;
  config: Config;
  logger: Logger;
  clock: () => Date;
  audit: AuditService;
  mail: MailService;
  /** Uploaded and generated files, outside the web root. */
  uploads: UploadStore;
  /** The job queue: scheduled jobs and work queues (pg-boss). */
  scheduler: JobQueue;
  lifecycle: Lifecycle;
  /** Verification codes of issued documents (the public /verify page). */
  verification: VerificationService;
  /** The CA certificates and CRLs, read again when their files change. */
  trustStore: () => TrustStore;
  identity: Identity;
  /** The content every site's editors keep (platform/content). */
  content: ContentService;
}
