import type { Knex } from 'knex';

/** Agents' seats (display names and concurrent limits) and one past transcript. */
export async function seedPicsChatDemo(db: Knex): Promise<Record<string, number> | null> {
  const accounts: { id: number; username: string }[] = await db('account').whereIn('username', ['cs.agent', 'cs.lead', 'wang.xiaoming']).select('id', 'username');
  const id = (u: string) => accounts.find((a) => a.username === u)?.id;
  const agent = id('cs.agent');
  const lead = id('cs.lead');
  const asker = id('wang.xiaoming');
  if (!agent || !lead || !asker) return null;
  if (await db('pics_chat_agent').where({ account_id: agent }).first()) return null;
  await db('pics_chat_agent').insert([
    { account_id: agent, display_name: '人資小莉', max_concurrent: 3, status: 'away' },
    { account_id: lead, display_name: '人資小明', max_concurrent: 2, status: 'away' },
  ]);
  // A finished chat, so the transcript list is not empty.
  const person = await db('account').where({ id: asker }).first('person_id');
  const start = new Date('2026-11-02T09:01:00+08:00');
  const at = (s: number) => new Date(start.getTime() + s * 1000);
  const [chat] = await db('pics_chat')
    .insert({
      asker_account_id: asker,
      asker_person_id: person.person_id,
      asker_name: '王小明',
      state: 'ended',
      agent_account_id: agent,
      created_at: at(0),
      queued_at: at(0),
      accepted_at: at(50),
      ended_at: at(400),
      last_activity_at: at(400),
    })
    .returning('id');
  const lines: [string, number | null, string, string, string, number][] = [
    ['system', null, '系統提示', 'transfer', '已為您轉接專員中，請您稍候，不要離開喔~', 0],
    ['agent', agent, '人資小莉', 'joined', '哈囉，您好，很高興為您服務！', 50],
    ['asker', asker, '王小明', 'text', '您好，有關人事服務網系統操作問題，請問 My Data 要如何下載個人資料？', 94],
    ['agent', agent, '人資小莉', 'text', '請登入人事服務網後，點選「應用系統」中的 My Data，即可選擇要下載的資料。', 202],
    ['asker', asker, '王小明', 'text', '了解，謝謝。', 330],
    ['system', null, '系統提示', 'ended', '客服專員已結束對話，感謝您使用文字客服。', 400],
  ];
  await db('pics_chat_message').insert(
    lines.map(([sender, account, name, kind, body, s]) => ({ chat_id: chat.id, sender, sender_account_id: account, sender_name: name, kind, body, created_at: at(s) })),
  );
  return { agents: 2, chats: 1, messages: lines.length };
}
