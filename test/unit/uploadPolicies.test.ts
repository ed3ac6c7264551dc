import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MB, UPLOAD_POLICIES, formatBytes, kindsText, uploadHint } from '../../src/platform/uploadPolicies';

describe('upload hints are worded from the policies', () => {
  it('keeps the wording every form has shown', () => {
    expect(Object.fromEntries(Object.entries(UPLOAD_POLICIES).map(([k, p]) => [k, uploadHint(p)]))).toEqual({
      picsAttachments: '反應問題可逐一選擇多個附件檔上傳。單一檔案上傳容量限制為4MB，總容量為10MB。接受圖片、PDF、Office 文件、純文字或 ZIP 壓縮檔。',
      picsChatImage: 'JPG、PNG、GIF、WebP、BMP，4 MB 以內',
      jobsPosting: '最多 3 個檔案，每個不超過 4 MB；接受 PDF、Office 文件、圖片、純文字或 ZIP。',
      jobsResume: '1 個檔案，不超過 4 MB；例如填妥的公務人員履歷表、證照影本（PDF、Office 文件、圖片或純文字）。',
      mydataProof: '最多 3 個檔案，單一檔案不超過 4 MB，合計不超過 10 MB；接受圖片、PDF、Office 文件、純文字或 ZIP。',
      cloudConditions: '若有說明檔案可上傳一個，限 PDF、Office 文件、純文字、圖片或 ZIP，大小 5 MB 以內；再次上傳會取代原檔案。',
      cloudReport: '錯誤畫面或說明檔案 1 個，5 MB 以內；接受圖片、PDF、Office 文件、純文字或 ZIP。',
      cloudDownload: '20 MB 以內；PDF、Office 文件、純文字、ZIP 或圖片。',
      messageAttachments: '最多 3 個檔案，單一檔案不超過 4 MB，合計不超過 10 MB；接受圖片、PDF、Office 文件、純文字或 ZIP。',
    });
  });

  it('words a policy without its own hint from its numbers', () => {
    expect(uploadHint({ maxFileBytes: 4 * MB, maxTotalBytes: 10 * MB, maxFiles: 3, kinds: ['image', 'pdf'] })).toBe('每個檔案 4 MB 以內，合計 10 MB 以內，最多 3 個；接受圖片或 PDF。');
    expect(uploadHint({ maxFileBytes: 2 * MB, maxTotalBytes: 2 * MB, maxFiles: 1, kinds: ['zip'] })).toBe('每個檔案 2 MB 以內，最多 1 個；接受ZIP。');
  });

  it('names sizes and kinds as the pages do', () => {
    expect(formatBytes(4 * MB)).toBe('4 MB');
    expect(formatBytes(1.25 * MB)).toBe('1.3 MB');
    expect(formatBytes(1500)).toBe('2 KB');
    expect(kindsText(['pdf', 'office', 'text', 'zip', 'image'])).toBe('PDF、Office 文件、純文字、ZIP 或圖片');
    expect(kindsText(['image', 'zip'])).toBe('圖片或 ZIP');
    expect(kindsText(['image'])).toBe('圖片');
  });
});

describe('no view types a limit by hand', () => {
  const root = path.resolve('views');
  const views = (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ejs')).map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')] as const);

  it('finds the views with file inputs', () => {
    expect(views.filter(([, s]) => /type="file"/.test(s)).length).toBeGreaterThanOrEqual(8);
  });

  it.each(views.filter(([, s]) => /type="file"|partials\/files'/.test(s)).map(([f]) => f))('%s renders its limit from a policy', (file) => {
    const text = views.find(([f]) => f === file)![1];
    expect(text).not.toMatch(/\d\s*[MK]B|1024|1048576/);
    if (/type="file"/.test(text)) expect(text).toMatch(/uploadHint\(uploadPolicies\.\w+\)|uploadPolicies\.\w+\.maxFileBytes/);
  });
});
