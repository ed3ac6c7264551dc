/** WebHR channel: a machine files W tickets with a bearer key (routes in ./routes.ts); `npm run pics:keys` issues the keys. */
export { createApiCredentials, createWebhrChannel, hashApiKey, newApiKey, type ApiCredentials, type WebhrChannel } from './service';
export { OPENAPI } from './openapi';
