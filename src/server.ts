import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from './config';
import { createLogger } from './platform/logger';
import { projectRoot } from './platform/database';
import { prepareDatabase, prepareDemoPki } from './bootstrap';
import { createServices } from './services';
import { createApp } from './app';

async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const { db, url, embedded } = await prepareDatabase(config, logger);
  const pki = prepareDemoPki(config, logger);
  const services = createServices(db, config, logger);
  const app = createApp({ config, logger, services, databaseUrl: url });
  const server = app.listen(config.port, config.host, () => {
    const port = (server.address() as { port: number }).port;
    const accounts = JSON.parse(fs.readFileSync(path.join(projectRoot, 'seeds/demo-accounts.json'), 'utf8')) as {
      account: string;
      password: string;
      role: string;
    }[];
    const lines = [
      '',
      `  人事服務網 is running at http://localhost:${port}/`,
      `  database: ${embedded ? `embedded PostgreSQL in ${path.join(config.dataDir, 'pg')}` : 'DATABASE_URL'}`,
      '',
      '  Demo sign-ins (account / password — role):',
      ...accounts.map((a) => `    ${a.account.padEnd(16)} ${a.password.padEnd(12)} ${a.role}`),
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close();
    await app.close();
    await db.destroy();
    if (embedded) await embedded.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
