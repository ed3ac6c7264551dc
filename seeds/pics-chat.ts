import type { Knex } from 'knex';
import { taipeiToday } from '../src/platform/dates';

/** Agents' seats (display names and concurrent limits) and past transcripts of the last weeks. */
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
  // Finished chats over the past weeks (the newest yesterday), so the transcript list and
  // the desk's figures are not empty on a fresh start.
  const person = await db('account').where({ id: asker }).first('person_id');
  const lines: [string, 'agent' | 'asker' | null, string, string, number][] = [
    ['system', null, 'transfer', '已為您轉接專員中，請您稍候，不要離開喔~', 0],
    ['agent', 'agent', 'joined', '哈囉，您好，很高興為您服務！', 50],
    ['asker', 'asker', 'text', '您好，有關人事服務網系統操作問題，請問 My Data 要如何下載個人資料？', 94],
    ['agent', 'agent', 'text', '請登入人事服務網後，點選「應用系統」中的 My Data，即可選擇要下載的資料。', 202],
    ['asker', 'asker', 'text', '了解，謝謝。', 330],
    ['system', null, 'ended', '客服專員已結束對話，感謝您使用文字客服。', 400],
  ];
  const seats = [
    { id: agent, name: '人資小莉' },
    { id: lead, name: '人資小明' },
  ];
  const DAYS_AGO = [20, 13, 6, 1];
  for (const [k, days] of DAYS_AGO.entries()) {
    const seat = seats[k % seats.length]!;
    const start = new Date(`${taipeiToday(new Date(Date.now() - days * 86_400_000))}T09:${String(1 + k * 7).padStart(2, '0')}:00+08:00`);
    const at = (s: number) => new Date(start.getTime() + s * 1000);
    const [chat] = await db('pics_chat')
      .insert({
        asker_account_id: asker,
        asker_person_id: person.person_id,
        asker_name: '王小明',
        state: 'ended',
        agent_account_id: seat.id,
        created_at: at(0),
        queued_at: at(0),
        accepted_at: at(50),
        ended_at: at(400),
        last_activity_at: at(400),
      })
      .returning('id');
    await db('pics_chat_message').insert(
      lines.map(([sender, who, kind, body, s]) => ({
        chat_id: chat.id,
        sender,
        sender_account_id: who === 'agent' ? seat.id : who === 'asker' ? asker : null,
        sender_name: who === 'agent' ? seat.name : who === 'asker' ? '王小明' : '系統提示',
        kind,
        body,
        created_at: at(s),
      })),
    );
  }
  return { agents: 2, chats: DAYS_AGO.length, messages: DAYS_AGO.length * lines.length };
}
