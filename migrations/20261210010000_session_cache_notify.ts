import type { Knex } from 'knex';

/**
 * What each instance keeps of a session between requests (platform/web/sessionCache.ts) is
 * announced on the channel `session_cache` whenever the rows it was read from change:
 *
 * - `s:<sha256 of the id>`: a session row was changed or removed (saved, signed out, pruned);
 * - `a:<account id>`: an account's roles version moved (a role granted or taken away) or the
 *   account went;
 * - `p:<person id>,<person id>…`: the 網頁訊息 badge's rows of these people changed (a message
 *   sent, read or deleted); `p*` when one statement touched more than 200 people;
 * - `*`: a table was emptied; everything kept is dropped.
 *
 * The session is named by the hash of its id, never the id: any login may LISTEN.
 */
export async function up(knex: Knex): Promise<void> {
  // A trigger function that sends one notification, `payload` (SQL) on the channel.
  const notifier = (name: string, payload: string) =>
    knex.raw(`
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('session_cache', ${payload});
      RETURN NULL;
    END $$`);

  await notifier('session_cache_session', `'s:' || encode(sha256(convert_to(OLD.sid, 'UTF8')), 'hex')`);
  await knex.raw('CREATE TRIGGER session_cache AFTER UPDATE OR DELETE ON session FOR EACH ROW EXECUTE FUNCTION session_cache_session()');

  await notifier('session_cache_account', `'a:' || OLD.id`);
  await knex.raw('CREATE TRIGGER session_cache AFTER UPDATE OF roles_version OR DELETE ON account FOR EACH ROW EXECUTE FUNCTION session_cache_account()');

  await createBadgeTriggers(knex);

  await notifier('session_cache_all', `'*'`);
  for (const table of TABLES) {
    await knex.raw(`CREATE TRIGGER session_cache_truncate AFTER TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION session_cache_all()`);
  }
}

const TABLES = ['session', 'account', 'message_recipient'];

/**
 * The badge's notifications (`p:` / `p*`), one per statement on message_recipient. Migration
 * 20261211010000 replaces them with that table's `table_change` notifications, and puts them
 * back when it is undone.
 */
export async function createBadgeTriggers(knex: Knex): Promise<void> {
  // One notification per statement: a notice to a whole agency inserts thousands of rows.
  await knex.raw(`
    CREATE FUNCTION session_cache_badges() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      n integer;
      ids text;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        SELECT count(DISTINCT person_id), string_agg(DISTINCT person_id::text, ',') INTO n, ids FROM new_rows;
      ELSIF TG_OP = 'DELETE' THEN
        SELECT count(DISTINCT person_id), string_agg(DISTINCT person_id::text, ',') INTO n, ids FROM old_rows;
      ELSE
        SELECT count(DISTINCT p), string_agg(DISTINCT p::text, ',') INTO n, ids
          FROM (SELECT person_id AS p FROM old_rows UNION SELECT person_id FROM new_rows) x;
      END IF;
      IF n > 200 THEN
        PERFORM pg_notify('session_cache', 'p*');
      ELSIF n > 0 THEN
        PERFORM pg_notify('session_cache', 'p:' || ids);
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER session_cache_insert AFTER INSERT ON message_recipient
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION session_cache_badges()`);
  await knex.raw(`CREATE TRIGGER session_cache_update AFTER UPDATE ON message_recipient
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION session_cache_badges()`);
  await knex.raw(`CREATE TRIGGER session_cache_delete AFTER DELETE ON message_recipient
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION session_cache_badges()`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of TABLES) await knex.raw(`DROP TRIGGER session_cache_truncate ON ${table}`);
  await knex.raw('DROP TRIGGER session_cache ON session');
  await knex.raw('DROP TRIGGER session_cache ON account');
  for (const op of ['insert', 'update', 'delete']) await knex.raw(`DROP TRIGGER session_cache_${op} ON message_recipient`);
  for (const fn of ['session_cache_session', 'session_cache_account', 'session_cache_badges', 'session_cache_all']) await knex.raw(`DROP FUNCTION ${fn}`);
}
