import crypto from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import type { IdentityCheckConfig } from './platform/pki/identityCheck';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** Public origin of the portal, e.g. https://ecpa.example.gov.tw */
  PUBLIC_ORIGIN: z.string().url().optional(),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_OWNER_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  SESSION_SECRET: z.string().min(32).optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(20),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(72).default(8),
  TRUST_PROXY: z.string().default('loopback'),
  SECURE_COOKIES: bool.optional(),
  SMTP_URL: z.string().url().optional(),
  MAIL_FROM: z.string().default('人事服務網 <no-reply@ecpa.example.gov.tw>'),
  /** 32 random bytes, base64: encrypts the secrets of mail waiting to be sent. */
  MAIL_SECRET_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes in base64 (openssl rand -base64 32)')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOGIN_RATE_LIMIT_PER_15MIN: z.coerce.number().int().min(1).default(50),
  /** The demo people, accounts, cards and keys; defaults to true outside production, refused in production. */
  SEED_DEMO: bool.optional(),
  /**
   * Trust store: ca/{moica,gca,nhi}.pem and crl.pem. Outside production it defaults to the demo
   * PKI made in DATA_DIR/pki; production requires it set (and never makes a demo PKI).
   */
  PKI_DIR: z.string().optional(),
  /** Where the smart-card bridge answers on the user's PC. */
  BRIDGE_ORIGIN: z.string().url().default('http://127.0.0.1:61161'),
  /** Start the bridge with the demo cards inside `npm start` (development only). */
  START_BRIDGE: bool.default(true),
  CHALLENGE_RATE_LIMIT_PER_15MIN: z.coerce.number().int().min(1).default(300),
  /** Who proves that a card belongs to a person at first activation: demo CA records, or the CA's service. */
  IDENTITY_CHECK: z.enum(['demo', 'http']).optional(),
  MOICA_ID_CHECK_URL: z.string().url().optional(),
  MOICA_ID_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** Extra CA certificates (PEM) to trust for the identity check's TLS. */
  MOICA_ID_CHECK_CA_FILE: z.string().optional(),
  /** First card activation attempts per card and per IP in an hour. */
  CARD_ACTIVATION_PER_CARD_PER_HOUR: z.coerce.number().int().min(1).default(5),
  CARD_ACTIVATION_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(20),
  /** Refused anonymous requests (a keyless WebHR call, a failed card login) per IP per 15 minutes. */
  REFUSAL_RATE_LIMIT_PER_15MIN: z.coerce.number().int().min(1).default(30),
  /** E-newsletter subscribe / unsubscribe requests per IP per 15 minutes (and 3 per address). */
  SUBSCRIBE_RATE_LIMIT_PER_15MIN: z.coerce.number().int().min(1).default(10),
  /** 智慧客服 questions per IP per 15 minutes (so a script cannot flood the unanswered list). */
  ASSISTANT_RATE_LIMIT_PER_15MIN: z.coerce.number().int().min(1).default(60),
  /** Uploaded and generated files (outside the web root); share it between instances. */
  UPLOAD_DIR: z.string().optional(),
  /** The cloud platform's web service (mutual TLS); 0 turns it off. */
  CLOUD_WS_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  CLOUD_WS_HOST: z.string().default('0.0.0.0'),
  /** A kept file no row names is removed once it is this old (a process died before its commit). */
  UPLOAD_ORPHAN_MINUTES: z.coerce.number().int().min(0).max(10080).default(10),
  /** Run the job queue's workers and schedules (mail, digests, reminders) in this process. */
  RUN_SCHEDULER: bool.default(true),
  /** Jobs each instance runs at once on each work queue (mail.send, jobs.digest.batch). */
  QUEUE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Seconds between polls of an idle queue. */
  QUEUE_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
  /** Seconds a scheduled run may take before it expires and is tried again. */
  JOB_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
  /** Seconds between the queue's maintenance passes (expiring stuck runs, archiving). */
  QUEUE_MAINTENANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Prefix of the queues' names: only to keep separate apps on one database apart (tests). */
  QUEUE_NAMESPACE: z.string().regex(/^[a-z0-9_]{0,20}$/).default(''),
  /** Attempts before a message becomes a dead letter (/admin/outbox, 重新寄送). */
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(10),
  /** Seconds before mail the SMTP server did not take is tried again; doubled at each attempt. */
  MAIL_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** SMTP connections each instance keeps open (one pooled transport). */
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(20).default(2),
  /** SMTP connect, greeting and socket timeouts: well under nginx's 60 s. */
  SMTP_TIMEOUT_MS: z.coerce.number().int().min(1000).max(30_000).default(15_000),
  /** Idle keep-alive connections and request headers: above the load balancer's own timeouts. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(65_000),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(66_000),
  /** On SIGTERM: how long requests in flight may take to finish before the process exits anyway. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(20_000),
  /** Who may read /metrics: CIDR blocks or addresses, comma separated; `loopback` = 127.0.0.0/8 and ::1. */
  METRICS_ALLOW: z.string().default('loopback'),
  /** Where each trusted CA publishes its CRL: `moica=http://…,gca=http://…,nhi=http://…`. */
  CRL_URLS: z.string().default(''),
  CRL_REFRESH_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  /** What card sign-in does once a CA's CRL is past its nextUpdate. */
  CRL_STALE_POLICY: z.enum(['refuse', 'allow-with-warning']).default('refuse'),
  CRL_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
});

export type Config = ReturnType<typeof loadConfig>;

/**
 * What a production start (the server, the scripts: prepareDatabase) needs beyond a valid
 * configuration: a trust store named explicitly (a demo PKI left in DATA_DIR/pki is never
 * trusted) and, with DATABASE_URL, the owner's login apart from the app's.
 */
export function checkProductionStart(config: Config): void {
  if (!config.production) return;
  const problems: string[] = [];
  if (!config.pkiDirExplicit) {
    problems.push('  PKI_DIR: required in production (the trust store folder: ca/{moica,gca,nhi}.pem and crl.pem; the demo PKI is never made or trusted in production)');
  }
  if (config.databaseUrl && !config.databaseOwnerUrl) {
    problems.push(
      "  DATABASE_OWNER_URL: required in production with DATABASE_URL (DATABASE_URL is the app's login, which must not own the schema; DATABASE_OWNER_URL is the schema owner's, for migrations)",
    );
  }
  if (problems.length) throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
}

/** Reads the environment once; fails at start with a readable message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && e.SEED_DEMO) {
    throw new Error(
      'Invalid configuration:\n  SEED_DEMO: the demo data (accounts with published passwords, the demo WebHR key, the demo CAs) is never loaded in production; remove SEED_DEMO or set it to false (for the demo use NODE_ENV=development, e.g. docker-compose.demo.yml)',
    );
  }
  if (production && !e.SESSION_SECRET) {
    throw new Error('Invalid configuration:\n  SESSION_SECRET: required in production (at least 32 characters)');
  }
  const identityCheck = identityCheckConfig(e, production);
  // Production mail waiting for the SMTP server keeps its secrets under this key. Production
  // without SMTP_URL sends nothing and keeps no secret at all (see src/platform/mail.ts).
  if (production && e.SMTP_URL && !e.MAIL_SECRET_KEY) {
    throw new Error('Invalid configuration:\n  MAIL_SECRET_KEY: required in production with SMTP_URL (32 bytes in base64: openssl rand -base64 32)');
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS <= e.HTTP_KEEP_ALIVE_TIMEOUT_MS) {
    throw new Error('Invalid configuration:\n  HTTP_HEADERS_TIMEOUT_MS: must be above HTTP_KEEP_ALIVE_TIMEOUT_MS');
  }
  const metricsAllow = parseAddressList(e.METRICS_ALLOW);
  const crlUrls = parseCrlUrls(e.CRL_URLS);
  const sessionSecret = e.SESSION_SECRET ?? 'development-only-session-secret-change-me';
  return {
    env: e.NODE_ENV,
    production,
    port: e.PORT,
    host: e.HOST,
    publicOrigin: e.PUBLIC_ORIGIN ?? `http://localhost:${e.PORT}`,
    databaseUrl: e.DATABASE_URL,
    databaseOwnerUrl: e.DATABASE_OWNER_URL,
    dataDir: path.resolve(e.DATA_DIR),
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    sessionSecret,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    trustProxy: e.TRUST_PROXY,
    secureCookies: e.SECURE_COOKIES ?? production,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    /** Development: a fixed key derived from the session secret (documented in README). */
    mailSecretKey: e.MAIL_SECRET_KEY
      ? Buffer.from(e.MAIL_SECRET_KEY, 'base64')
      : crypto.createHash('sha256').update(`mail-secret-key:${sessionSecret}`).digest(),
    /** No SMTP outside production: the outbox page shows mail as the addressee gets it. */
    developmentOutbox: !production && !e.SMTP_URL,
    logLevel: e.LOG_LEVEL,
    loginRateLimit: e.LOGIN_RATE_LIMIT_PER_15MIN,
    seedDemo: e.SEED_DEMO ?? !production,
    pkiDir: path.resolve(e.PKI_DIR ?? path.join(e.DATA_DIR, 'pki')),
    /** PKI_DIR was given: the folder is the operator's trust store, never replaced by a demo PKI. */
    pkiDirExplicit: e.PKI_DIR !== undefined,
    bridgeOrigin: e.BRIDGE_ORIGIN.replace(/\/$/, ''),
    startBridge: e.START_BRIDGE && !production,
    challengeRateLimit: e.CHALLENGE_RATE_LIMIT_PER_15MIN,
    identityCheck,
    cardActivationPerCard: e.CARD_ACTIVATION_PER_CARD_PER_HOUR,
    cardActivationPerIp: e.CARD_ACTIVATION_PER_IP_PER_HOUR,
    refusalRateLimit: e.REFUSAL_RATE_LIMIT_PER_15MIN,
    subscribeRateLimit: e.SUBSCRIBE_RATE_LIMIT_PER_15MIN,
    assistantRateLimit: e.ASSISTANT_RATE_LIMIT_PER_15MIN,
    uploadDir: path.resolve(e.UPLOAD_DIR ?? path.join(e.DATA_DIR, 'uploads')),
    runScheduler: e.RUN_SCHEDULER,
    uploadOrphanMs: e.UPLOAD_ORPHAN_MINUTES * 60_000,
    queueConcurrency: e.QUEUE_CONCURRENCY,
    queuePollSeconds: e.QUEUE_POLL_SECONDS,
    jobTimeoutSeconds: e.JOB_TIMEOUT_SECONDS,
    queueMaintenanceSeconds: e.QUEUE_MAINTENANCE_SECONDS,
    queueNamespace: e.QUEUE_NAMESPACE,
    mailMaxAttempts: e.MAIL_MAX_ATTEMPTS,
    mailRetryDelaySeconds: e.MAIL_RETRY_DELAY_SECONDS,
    smtpPoolSize: e.SMTP_POOL_SIZE,
    smtpTimeoutMs: e.SMTP_TIMEOUT_MS,
    cloudWsPort: e.CLOUD_WS_PORT,
    cloudWsHost: e.CLOUD_WS_HOST,
    keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    /** CIDR blocks (`address/prefix`) that may read /metrics. */
    metricsAllow,
    crlUrls,
    crlRefreshMinutes: e.CRL_REFRESH_MINUTES,
    crlStalePolicy: e.CRL_STALE_POLICY,
    crlFetchTimeoutMs: e.CRL_FETCH_TIMEOUT_MS,
  };
}

/** `loopback`, addresses and CIDR blocks, comma separated, as `address/prefix`. */
function parseAddressList(text: string): string[] {
  const out: string[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (item === 'loopback') {
      out.push('127.0.0.0/8', '::1/128');
      continue;
    }
    const [address, prefix, extra] = item.split('/');
    const family = net.isIP(address ?? '');
    const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
    if (!family || extra !== undefined || !/^\d{0,3}$/.test(prefix ?? '') || bits > (family === 4 ? 32 : 128)) {
      throw new Error(`Invalid configuration:\n  METRICS_ALLOW: "${item}" is not an address or a CIDR block (e.g. 10.0.0.0/8, ::1, loopback)`);
    }
    out.push(`${address}/${bits}`);
  }
  return out;
}

/** `moica=http://…,gca=http://…`: one URL per trusted CA (card type). */
function parseCrlUrls(text: string): { type: 'moica' | 'gca' | 'nhi'; url: string }[] {
  const out: { type: 'moica' | 'gca' | 'nhi'; url: string }[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = item.indexOf('=');
    const type = item.slice(0, at);
    const url = item.slice(at + 1);
    if (at < 0 || !['moica', 'gca', 'nhi'].includes(type) || !z.string().url().safeParse(url).success || !/^https?:\/\//.test(url) || out.some((o) => o.type === type)) {
      throw new Error(`Invalid configuration:\n  CRL_URLS: "${item}" must be moica=, gca= or nhi= followed by an http(s) URL, each CA once`);
    }
    out.push({ type: type as 'moica' | 'gca' | 'nhi', url });
  }
  return out;
}

/**
 * The card holder identity check: demo records by default outside production; in production
 * only the CA's service over HTTPS, and without one card activation is refused (never demo).
 */
function identityCheckConfig(e: z.infer<typeof schema>, production: boolean): IdentityCheckConfig {
  const kind = e.IDENTITY_CHECK ?? (production || e.MOICA_ID_CHECK_URL ? 'http' : 'demo');
  if (kind === 'http' && e.MOICA_ID_CHECK_URL) {
    if (production && !e.MOICA_ID_CHECK_URL.startsWith('https://')) {
      throw new Error('Invalid configuration:\n  MOICA_ID_CHECK_URL: must be https:// in production');
    }
    return { kind: 'http', url: e.MOICA_ID_CHECK_URL, timeoutMs: e.MOICA_ID_CHECK_TIMEOUT_MS, caFile: e.MOICA_ID_CHECK_CA_FILE };
  }
  if (kind === 'http' && e.IDENTITY_CHECK === 'http') {
    throw new Error('Invalid configuration:\n  MOICA_ID_CHECK_URL: required when IDENTITY_CHECK=http');
  }
  if (kind === 'demo' && !production) return { kind: 'demo' };
  return { kind: 'off', reason: production ? 'no MOICA_ID_CHECK_URL in production (demo records are not proof)' : 'not configured' };
}
