import type { Knex } from 'knex';

/**
 * 網頁訊息 demo: wang.xiaoming has chen.meiling and hr.chief in his 通訊錄, a group of both,
 * a signature, one message from hr.chief (unread) and an agency notice of his agency.
 * Idempotent: skipped when wang.xiaoming already has contacts.
 */
export async function seedMessagesDemo(db: Knex): Promise<{ messages: number }> {
  const personOf = async (username: string) => (await db('account as a').join('person as p', 'p.id', 'a.person_id').join('agency as g', 'g.id', 'p.agency_id').where('a.username', username).first('p.id', 'p.name', 'p.agency_id', 'g.name as agency_name')) as { id: number; name: string; agency_id: number; agency_name: string } | undefined;
  const [wang, chen, hr] = await Promise.all([personOf('wang.xiaoming'), personOf('chen.meiling'), personOf('hr.chief')]);
  if (!wang || !chen || !hr) return { messages: 0 };
  if (await db('message_contact').where({ owner_person_id: wang.id }).first()) return { messages: 0 };
  return db.transaction(async (trx) => {
    await trx('message_contact').insert([
      { owner_person_id: wang.id, person_id: chen.id, note: '內政部 業務窗口' },
      { owner_person_id: wang.id, person_id: hr.id, note: '本校人事室' },
    ]);
    const [group] = await trx('message_group').insert({ owner_person_id: wang.id, name: '跨機關專案小組' }).returning('id');
    await trx('message_group_member').insert([chen.id, hr.id].map((person_id) => ({ group_id: group.id, person_id })));
    await trx('message_setting').insert({ person_id: wang.id, signature: `${wang.name}\n${wang.agency_name}\n電話 02-28227101` }).onConflict('person_id').merge(['signature']);
    const [personal] = await trx('message')
      .insert({ kind: 'personal', sender_person_id: hr.id, sender_name: hr.name, sender_agency_name: hr.agency_name, subject: '年度考績作業時程', body: '各位同仁好：\n\n本年度考績評擬請於 12 月 31 日前完成，相關表件請至人事室網頁下載。', recipients_text: wang.name })
      .returning('id');
    await trx('message_recipient').insert({ person_id: wang.id, message_id: personal.id });
    const [notice] = await trx('message')
      .insert({ kind: 'notice', sender_person_id: hr.id, sender_name: hr.name, sender_agency_name: hr.agency_name, subject: '歲末聯歡活動通知', body: '本校歲末聯歡活動訂於 12 月 20 日中午舉行，歡迎同仁踴躍參加。', recipients_text: `${hr.agency_name} 全體人員`, notice_agency_id: hr.agency_id })
      .returning('id');
    await trx.raw("INSERT INTO message_recipient (person_id, message_id) SELECT id, ? FROM person WHERE agency_id = ? AND status = '在職'", [notice.id, hr.agency_id]);
    return { messages: 2 };
  });
}
