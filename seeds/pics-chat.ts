import type { Knex } from 'knex';

/** Demo data of the text chat (agents' seats); does nothing when already seeded. */
export async function seedPicsChatDemo(db: Knex): Promise<Record<string, number> | null> {
  void db;
  return null;
}
