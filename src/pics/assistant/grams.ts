/**
 * 智慧客服's Chinese matching: a question becomes its two-character grams (as the 事求人
 * vacancy search's jobs_bigrams does), without grams that cross punctuation or spaces and
 * without the grams of question words (請問、如何、怎麼辦 …) that say nothing of the subject.
 */

/** The most characters a question may have. */
export const QUESTION_MAX = 1000;

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** A question's text as counted for the 客服主管: NFKC, lower case, letters and digits only. */
export function normalizeQuestion(q: string): string {
  return [...q.normalize('NFKC').toLowerCase()].filter((c) => WORD_CHAR.test(c)).join('').slice(0, QUESTION_MAX);
}

/** Grams of question words, left out of the match (they appear in any question). */
const STOP_GRAMS = new Set([
  '請問', '問一', '一下', '如何', '怎麼', '麼辦', '怎樣', '什麼', '為什', '為何', '甚麼', '可以', '可否', '能否', '是否', '哪裡', '哪裏',
  '哪些', '要如', '何時', '時候', '我的', '我要', '我想', '想要', '不能', '無法', '沒有', '一個', '謝謝', '您好', '你好', '怎麽',
]);

/** The distinct two-character grams of a text's runs of letters and digits (NFKC, lower case). */
export function gramsOf(text: string): string[] {
  const out = new Set<string>();
  for (const run of text.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    const chars = [...run];
    for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
  }
  return [...out];
}

/** The grams a question is matched by: its grams without those of question words (all of them when nothing else is left). */
export function questionGrams(q: string): string[] {
  const all = gramsOf(q);
  const useful = all.filter((g) => !STOP_GRAMS.has(g));
  return (useful.length ? useful : all).slice(0, 200);
}

/** What part of the question's grams a text holds (0–1), and how many. */
export function coverage(grams: readonly string[], text: string): { hits: number; share: number } {
  if (!grams.length) return { hits: 0, share: 0 };
  const have = new Set(gramsOf(text));
  const hits = grams.filter((g) => have.has(g)).length;
  return { hits, share: hits / grams.length };
}
