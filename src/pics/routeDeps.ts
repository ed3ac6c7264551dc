import type { PicsDeps } from './deps';
import type { PicsServices } from './services';

/** What the PICS pages and scheduled work use: the area's deps and its own services. */
export type PicsRouteDeps = PicsDeps & { pics: PicsServices };
