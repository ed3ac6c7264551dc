import type { PicsDeps } from './deps';
import type { PicsDeskServices } from './deskServices';
import type { ChatService } from './chat/service';

/** What the PICS pages and scheduled work use: the area's deps and its own services. */
export type PicsRouteDeps = PicsDeps & { pics: PicsDeskServices & { chat: ChatService } };
