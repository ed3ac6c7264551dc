import type { CloudDeps } from './deps';
import type { ApplyService } from './apply/service';
import type { SiteService } from './site/service';

/** What the cloud pages, the web service and scheduled work use: the area's deps and its own services. */
export type CloudRouteDeps = CloudDeps & { cloud: { apply: ApplyService; site: SiteService } };
