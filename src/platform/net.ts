import net from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (for tests, benchmarks, embedded servers). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** What `npm start` says when its port is taken, in Chinese and English, naming the variable to change. */
export function portInUseMessage(port: number, variable = 'PORT'): string {
  return [
    `人事服務網無法啟動：連接埠 ${port} 已被其他程式使用。請先結束使用該連接埠的程式，或以環境變數 ${variable} 指定其他連接埠，例如 ${variable}=${port + 1} npm start。`,
    `Cannot start: port ${port} is already in use. Stop the program using it, or set the environment variable ${variable} to another port, e.g. ${variable}=${port + 1} npm start.`,
  ].join('\n');
}

/**
 * Fails with portInUseMessage when `port` cannot be listened on at `host` (checked before
 * the start does anything else, so a taken port stops it at once with a clear message).
 */
export function ensurePortFree(port: number, host: string | undefined, variable = 'PORT'): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new Error(portInUseMessage(port, variable)) : err));
    s.listen(port, host, () => s.close(() => resolve()));
  });
}
