/** WebHR channel: a machine files W tickets with a bearer key (src/pics/webhr/routes.ts). */
export { createApiCredentials, hashApiKey, newApiKey, type ApiCredentials } from './service';
export { OPENAPI } from './openapi';
export { webhrRoutes } from './routes';
