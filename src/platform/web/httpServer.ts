import type { Server } from 'node:http';
import type { Config } from '../../config';

/**
 * Node's idle keep-alive and header timeouts, above the load balancer's: nginx drops an idle
 * upstream connection (keepalive_timeout 55 s, docker/nginx.conf) before Node would, so a
 * request is never sent on a connection Node is closing (a 502 on a POST otherwise).
 */
export function applyHttpTimeouts(server: Server, config: Pick<Config, 'keepAliveTimeoutMs' | 'headersTimeoutMs'>): void {
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.headersTimeout = config.headersTimeoutMs;
}
