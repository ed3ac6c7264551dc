import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout (or `destination`: tests read the lines). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'ecpa' },
    redact: { paths: ['req.headers.cookie', 'password', '*.password', 'pin'], remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}
