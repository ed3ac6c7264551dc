import { describe, expect, it } from 'vitest';
import { chineseNumber, parseNumberOf, parseRank, parseWorkPlaces, rankText, workPlacesText } from '../../src/jobs/codes';
import { FeedError, parseFeed, xmlEscape } from '../../src/jobs/opendata/format';
import { bigramsOf, keywordsOf } from '../../src/jobs/search/repository';
import { searchSchema } from '../../src/jobs/search/schemas';
import { vacancySchema } from '../../src/jobs/manage/schemas';

describe('官職等 on the real scale', () => {
  it.each([
    [7, 7, '薦任第七職等'],
    [6, 8, '薦任第六職等至第八職等'],
    [5, 7, '委任第五職等至薦任第七職等'],
    [10, 14, '簡任第十職等至第十四職等'],
    [1, 1, '委任第一職等'],
  ])('%i–%i is %s', (from, to, text) => {
    expect(rankText(from, to)).toBe(text);
    expect(parseRank(text)).toEqual({ from, to });
  });
  it.each([
    ['薦任第6-7職等', 6, 7],
    ['簡任第十至十一職等', 10, 11],
    ['委任第三職等或薦任第六職等', 3, 6],
    ['薦任', 6, 9],
    ['委任或薦任', 1, 9],
    ['第９職等', 9, 9],
  ])('reads the free text %s', (text, from, to) => expect(parseRank(text)).toEqual({ from, to }));
  it('gives up on text without a rank', () => expect(parseRank('依相關規定')).toBeNull());
});

describe('NUMBER_OF and numbers', () => {
  it.each([
    ['3', 3], ['數名', null], ['1-2', 2], ['二', 2], ['二名', 2], ['十二', 12], ['二十', 20], ['１人', 1], ['1～3名', 3],
  ])('%s → %s', (text, n) => expect(parseNumberOf(text)).toBe(n));
  it.each(['0', '-1', '很多', '3-1', ''])('%s is refused', (text) => expect(parseNumberOf(text)).toBe('invalid'));
  it('reads Chinese numerals', () => {
    expect(chineseNumber('十')).toBe(10);
    expect(chineseNumber('九十九')).toBe(99);
    expect(chineseNumber('abc')).toBeNull();
  });
});

describe('WORK_PLACE_TYPE', () => {
  it('reads codes and names', () => {
    expect(parseWorkPlaces(',35-苗栗縣')).toEqual(['35']);
    expect(parseWorkPlaces(',10-臺北市,23-新北市')).toEqual(['10', '23']);
    expect(parseWorkPlaces('台北市、高雄市')).toEqual(['10', '82']);
    expect(parseWorkPlaces('火星')).toEqual([]);
    expect(workPlacesText(['10', '35'])).toBe(',10-臺北市,35-苗栗縣');
  });
});

describe('the legacy feed reader', () => {
  it('reads rows, entities, CDATA and empty elements', () => {
    const f = parseFeed('<?xml version="1.0"?>\n<ROOT><ANNOUNCE_DATE>1151124</ANNOUNCE_DATE>\n<ROW><TITLE>A &amp; B</TITLE><URL_LINK/><WORK_ITEM><![CDATA[<x>]]></WORK_ITEM></ROW></ROOT>');
    expect(f.announceDate).toBe('1151124');
    expect(f.rows[0]!.line).toBe(3);
    expect(Object.fromEntries(f.rows[0]!.fields)).toEqual({ TITLE: 'A & B', URL_LINK: '', WORK_ITEM: '<x>' });
  });
  it.each([
    ['', '檔案是空的'],
    ['ORG_ID,ORG_NAME', '檔案不是 XML 格式'],
    ['<FEED></FEED>', '根元素須為 <ROOT>'],
    ['<ROOT><ROW><TITLE>x</ROW></ROOT>', '第 1 行：缺少 </TITLE>'],
    ['<ROOT><ROW><TITLE>x</TITLE></ROW>', '第 1 行：缺少 </ROOT>（檔案不完整？）'],
    ['<ROOT></ROOT>trailing', '第 1 行：根元素之外不可有文字'],
  ])('refuses %j', (xml, message) => {
    expect(() => parseFeed(xml)).toThrow(FeedError);
    expect(() => parseFeed(xml)).toThrow(message);
  });
  it('refuses only the row a bad character reference, an undefined entity or a nested element is in', () => {
    const f = parseFeed('<ROOT>\n<ROW><TITLE>&#x110000;</TITLE></ROW>\n<ROW><TITLE>&nbsp;</TITLE></ROW>\n<ROW><TITLE><B>x</B></TITLE></ROW>\n</ROOT>');
    expect(f.rows.map((r) => [r.line, r.problems])).toEqual([
      [2, ['第 2 行：字元參考不合法（超出範圍或不是 XML 允許的字元）']],
      [3, ['第 3 行：不明的實體（XML 只認得 &amp; &lt; &gt; &quot; &apos;）']],
      [4, ['第 4 行：<TITLE> 內不可再有元素']],
    ]);
  });
  it('escapes what XML cannot carry', () => expect(xmlEscape('a<b>&"\u0001')).toBe('a&lt;b&gt;&amp;&quot;'));
});

describe('keyword search', () => {
  it('splits words and makes the two-character grams the index holds', () => {
    expect(keywordsOf(' 資訊  行政 ')).toEqual(['資訊', '行政']);
    expect(bigramsOf('資訊處理')).toEqual(['資訊', '訊處', '處理']);
    expect(bigramsOf('資')).toEqual([]);
  });
  it('refuses huge page sizes and wrong types', () => {
    expect(searchSchema.safeParse({ size: '100000' }).success).toBe(false);
    expect(searchSchema.safeParse({ page: ['1', '2'] }).success).toBe(false);
    expect(searchSchema.parse({}).size).toBe(20);
  });
});

describe('the posting form schema', () => {
  it('stores ranks as numbers and 數名 as null', () => {
    const v = vacancySchema.parse({
      agencyAddress: 'a', fillerName: 'b', fillerPhone: '02-1234567', fillerExt: '', fillerEmail: '', personKind: '1', rankFrom: '6', rankTo: '9',
      titleCode: 'T04', seriesCode: '', numberOf: '數名', reserveNum: '', gender: 'A', genderReason: '', workPlaces: ['10', '10', '35'],
      dateFrom: '115/11/24', dateTo: '2026-12-24', workQuality: 'q', workItem: 'i', workAddress: 'w', contactMethod: 'c', urlLink: '',
    });
    expect(v).toMatchObject({ rankFrom: 6, rankTo: 9, numberOf: null, reserveNum: 0, seriesCode: null, workPlaces: ['10', '35'], dateFrom: '2026-11-24', dateTo: '2026-12-24' });
  });
});
