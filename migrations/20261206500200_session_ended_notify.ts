import type { Knex } from 'knex';

/**
 * A session row that goes (sign-out, a new id at sign-in, pruning) is announced on the chat
 * channel, so every instance ends that session's event streams at once. The payload names
 * the session by the SHA-256 of its id, never the id itself.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION session_ended_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('pics_chat', 's:' || encode(sha256(convert_to(OLD.sid, 'UTF8')), 'hex'));
      RETURN NULL;
    END $$`);
  await knex.raw('CREATE TRIGGER session_ended AFTER DELETE ON session FOR EACH ROW EXECUTE FUNCTION session_ended_notify()');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER session_ended ON session');
  await knex.raw('DROP FUNCTION session_ended_notify');
}
