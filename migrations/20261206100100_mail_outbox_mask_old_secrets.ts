import type { Knex } from 'knex';

// Mail written before secrets were kept apart still holds them in clear: mask the
// temporary password of reset mails and the token of newsletter links.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    UPDATE mail_outbox
       SET body_text = regexp_replace(body_text, '(您的新密碼如下：\\n)[^\\n]*', '\\1（已遮蔽）')
     WHERE body_text LIKE '%您的新密碼如下：%'`);
  await knex.raw(`
    UPDATE mail_outbox
       SET body_text = regexp_replace(body_text, '([\\?&]token=)[A-Za-z0-9_-]+', '\\1（已遮蔽）', 'g')
     WHERE body_text LIKE '%token=%'`);
}

export async function down(): Promise<void> {
  // Masked secrets cannot be restored.
}
