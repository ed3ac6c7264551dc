import type { Knex } from 'knex';

/**
 * The agency card's ENCRYPTION certificate (cert2, usage keyEncipherment|dataEncipherment),
 * read from the card when the application is signed: 資料交換 files are encrypted to it, not
 * to the signing certificate. Null for applications filed before it was read; such an
 * application's file is refused with a message (never encrypted to something else).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cloud_application', (t) => {
    t.text('enc_certb64').nullable();
    t.string('enc_cert_thumbprint', 64).nullable();
  });
  await knex.raw(
    'ALTER TABLE cloud_application ADD CONSTRAINT cloud_application_enc_cert CHECK ((enc_certb64 IS NULL) = (enc_cert_thumbprint IS NULL))',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cloud_application', (t) => {
    t.dropColumn('enc_certb64');
    t.dropColumn('enc_cert_thumbprint');
  });
}
