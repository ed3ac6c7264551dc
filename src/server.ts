import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadConfig } from './config';
import { createLogger } from './platform/logger';
import { projectRoot } from './platform/database';
import { prepareDatabase, prepareDemoPki, type DemoData } from './bootstrap';
import { createServices } from './services';
import { createApp } from './app';
import { startCloudWebService } from './cloud';
import { createBridge } from './bridge/app';
import { loadBridgeConfig } from './bridge/config';
import { ensurePortFree, portInUseMessage } from './platform/net';
import { applyHttpTimeouts } from './platform/web/httpServer';

/** At shutdown, connections close once no request has begun for this long (and none is in flight). */
const DRAIN_QUIET_MS = 1000;

/**
 * Starts the portal: database, app, listener, the cloud web service and (in development)
 * the demo bridge. `demo` is the demo data (seeds/), handed in by scripts/start.ts.
 */
export async function startServer(demo: DemoData | null) {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // A taken port stops the start before the database is touched, with a message naming PORT.
  await ensurePortFree(config.port, config.host);
  const { db, url, embedded } = await prepareDatabase(config, logger, demo);
  const pki = prepareDemoPki(config, logger, demo);
  const services = createServices(db, config, logger);
  const app = createApp({ config, logger, services, databaseUrl: url });
  // Partial uploads older than an hour were left by a process that died (other instances
  // may have uploads in flight right now, so younger ones stay).
  await services.uploads.sweepIncoming();
  // Files kept by a process that died before committing their rows.
  const orphans = await services.uploads.sweepOrphans(db, config.uploadOrphanMs);
  if (orphans) logger.warn({ orphans }, 'removed uploaded files no record refers to');
  // The job queue's workers and schedules (mail, digests, reminders): several instances share them.
  if (config.runScheduler) await services.scheduler.start();
  // The cloud platform's web service: its own port, mutual TLS with the platform CA.
  const webService = config.cloudWsPort ? await startCloudWebService(services, { port: config.cloudWsPort, host: config.cloudWsHost }).catch((err: Error) => {
    logger.warn({ err: err.message }, 'cloud web service not started');
    return null;
  }) : null;
  const server = app.listen(config.port, config.host, async () => {
    const port = (server.address() as { port: number }).port;
    const bridgeLine = pki?.softhsmConf && config.startBridge ? await startDemoBridge(pki.softhsmConf, port) : null;
    // The demo sign-ins only where the demo data is loaded (never in production).
    const accounts = config.seedDemo
      ? (JSON.parse(fs.readFileSync(path.join(projectRoot, 'seeds/demo-accounts.json'), 'utf8')) as { account: string; password: string; role: string }[])
      : [];
    const lines = [
      '',
      `  人事服務網 is running at http://localhost:${port}/`,
      `  database: ${embedded ? `embedded PostgreSQL in ${path.join(config.dataDir, 'pg')}` : 'DATABASE_URL'}`,
      `  cloud web service (mutual TLS): ${webService ? `https://localhost:${webService.port}/api/v1/` : 'off (CLOUD_WS_PORT=0 or the port is taken)'}`,
      `  card bridge: ${bridgeLine ?? (pki ? 'not started (SoftHSM2 missing: `sudo apt-get install softhsm2`, then restart; account login works without it)' : 'not started here (it runs on the users\' PCs: npm run bridge)')}`,
      '',
      ...(accounts.length
        ? ['  Demo sign-ins (account / password — role):', ...accounts.map((a) => `    ${a.account.padEnd(16)} ${a.password.padEnd(12)} ${a.role}`), '']
        : ['  No demo data. The first administrator: npm run admin:create (see README).', '']),
    ];
    if (bridgeLine) lines.push(`  Demo cards: PIN ${pki!.pin} (SO PIN ${pki!.soPin}); see README.`, '');
    process.stdout.write(lines.join('\n') + '\n');
  });
  applyHttpTimeouts(server, config);

  /** The smart-card bridge with the demo cards (SoftHSM2), as it would run on a user's PC. */
  let bridge: ReturnType<typeof createBridge> | null = null;
  async function startDemoBridge(softhsmConf: string, port: number): Promise<string> {
    const origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`, config.publicOrigin];
    try {
      bridge = createBridge(
        loadBridgeConfig({
          SOFTHSM2_CONF: softhsmConf,
          BRIDGE_ALLOWED_ORIGINS: [...new Set(origins)].join(','),
          BRIDGE_STATE_FILE: path.join(config.dataDir, 'bridge-state.json'),
          BRIDGE_PORT: new URL(config.bridgeOrigin).port || '61161',
        }),
      );
      const { origin } = await bridge.listen();
      return `${origin} with the demo cards (SoftHSM2)`;
    } catch (err) {
      bridge = null;
      return `not started (${(err as Error).message}); another bridge may already be running`;
    }
  }

  // Taken meanwhile (another start raced this one): the same message, then a clean stop.
  server.once('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE') throw err;
    process.stderr.write(`${portInUseMessage(config.port)}\n`);
    void stop('EADDRINUSE', 1);
  });

  /**
   * Draining shutdown: /readyz answers 503 and the listener stops accepting at once; event
   * streams are told to reconnect (elsewhere); the job queue's workers take no new job and
   * finish the ones they have; requests in flight finish, up to SHUTDOWN_GRACE_MS; then the pools
   * close and the process exits 0.
   */
  let stopping = false;
  const stop = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    // Whatever happens below, the process ends some time after the grace period.
    setTimeout(() => {
      logger.error({ signal }, 'shutdown did not finish; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 15_000).unref();
    app.drain.start();
    logger.info({ signal, inFlight: app.drain.inFlight, graceMs: config.shutdownGraceMs }, 'shutting down: draining');
    // Stop accepting, but leave the open connections alone: http.Server#close would also
    // drop every connection that looks idle, and a connection whose request has arrived but
    // not been read yet looks idle (that request would be reset). Requests on open
    // connections are answered (with Connection: close) until none has come for a second.
    net.Server.prototype.close.call(server);
    const webServiceClosed = webService?.close();
    services.lifecycle.drain();
    // Workers take no new job; the jobs in progress finish within the grace period.
    const queueStopped = services.scheduler.stop(Math.max(1000, config.shutdownGraceMs - (Date.now() - started)));
    const drained = await app.drain.idle(Math.max(0, config.shutdownGraceMs - (Date.now() - started)), Math.min(DRAIN_QUIET_MS, config.shutdownGraceMs));
    server.closeAllConnections();
    if (!drained) {
      logger.warn({ inFlight: app.drain.inFlight }, 'shutdown grace period over: closing the requests still in flight');
    } else logger.info({ ms: Date.now() - started }, 'drained: no request in flight');
    await queueStopped;
    await webServiceClosed;
    await bridge?.close();
    await app.close();
    await db.destroy();
    if (embedded) await embedded.stop();
    logger.info({ signal, ms: Date.now() - started }, 'stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
