import type { Knex } from 'knex';
import { seedPicsDemo } from './pics';
import { seedPicsChatDemo } from './pics-chat';
import { seedCloudSiteDemo } from './cloud-site';
import { seedCloudDemo } from './cloud';
import { seedJobsDemo } from './jobs';
import { seedMydataDemo } from './mydata';
import { seedSurveysDemo } from './surveys';
import { seedJobsPublishingDemo } from './jobs-publishing';
import { seedMessagesDemo } from './messages';

/** Each area's demo data, after the people and accounts of seedDemo. */
export async function seedAreas(db: Knex): Promise<Record<string, unknown>> {
  return {
    pics: await seedPicsDemo(db),
    picsChat: await seedPicsChatDemo(db),
    cloudSite: await seedCloudSiteDemo(db),
    cloud: await seedCloudDemo(db),
    jobs: await seedJobsDemo(db),
    mydata: await seedMydataDemo(db),
    surveys: await seedSurveysDemo(db),
    jobsPublishing: await seedJobsPublishingDemo(db),
    messages: await seedMessagesDemo(db),
  };
}
