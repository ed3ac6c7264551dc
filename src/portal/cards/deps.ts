import type { PlatformDeps } from '../../platform/deps';
import type { MessagesService } from '../messages/service';

/** What 電子賀卡 is built from: the platform's db, clock, audit and uploads (its multipart form), and 網頁訊息 (recipients, storage). */
export type CardsDeps = Pick<PlatformDeps, 'db' | 'clock' | 'audit' | 'uploads'> & { messages: MessagesService };
