/**
 * Every upload the product accepts, declared once: sizes, counts and kinds, and the zh-TW hint
 * that words them. Routes check files with these policies and views render the hints from
 * them, so a limit changed here is the limit checked, the limit in the error messages and the
 * limit every page shows.
 */

/** What an area accepts: checked by content, never by the name or the browser's type. */
export type FileKind = 'image' | 'pdf' | 'office' | 'text' | 'zip';

export interface UploadPolicy {
  maxFileBytes: number;
  maxTotalBytes: number;
  maxFiles: number;
  /** In the order the hint names them. */
  kinds: readonly FileKind[];
}

/** The numbers and kinds of a policy as a hint words them. */
export interface UploadFacts {
  /** Largest file, e.g. 「4 MB」. */
  file: string;
  /** Largest total, e.g. 「10 MB」. */
  total: string;
  files: number;
  /** The kinds, e.g. 「圖片、PDF、Office 文件、純文字或 ZIP」. */
  kinds: string;
}

export interface DeclaredUploadPolicy extends UploadPolicy {
  /** The form's hint; without one, {@link uploadHint} words the plain rule. */
  hint?: (facts: UploadFacts) => string;
}

export const MB = 1024 * 1024;

export function formatBytes(n: number): string {
  return n >= MB ? `${Math.round((n / MB) * 10) / 10} MB` : `${Math.ceil(n / 1024)} KB`;
}

const KIND_LABELS: Record<FileKind, string> = { image: '圖片', pdf: 'PDF', office: 'Office 文件', text: '純文字', zip: 'ZIP' };

/** 「圖片、PDF、Office 文件、純文字或 ZIP」: the kinds in the policy's order. */
export function kindsText(kinds: readonly FileKind[]): string {
  const labels = kinds.map((k) => KIND_LABELS[k]);
  if (labels.length < 2) return labels[0] ?? '';
  const init = labels.slice(0, -1).join('、');
  const last = labels[labels.length - 1] ?? '';
  // A space between 或 and a Latin word, as the pages have always set it: 「純文字或 ZIP」「ZIP 或圖片」.
  const latin = /[A-Za-z]/;
  return `${init}${latin.test(init.slice(-1)) ? ' ' : ''}或${latin.test(last.charAt(0)) ? ' ' : ''}${last}`;
}

export function uploadFacts(policy: UploadPolicy): UploadFacts {
  return { file: formatBytes(policy.maxFileBytes), total: formatBytes(policy.maxTotalBytes), files: policy.maxFiles, kinds: kindsText(policy.kinds) };
}

/** The hint of a policy: its own wording, or 「每個檔案 4 MB 以內，合計 10 MB 以內，最多 3 個；接受…」. */
export function uploadHint(policy: DeclaredUploadPolicy): string {
  const f = uploadFacts(policy);
  if (policy.hint) return policy.hint(f);
  const total = policy.maxFiles > 1 && policy.maxTotalBytes < policy.maxFileBytes * policy.maxFiles ? `，合計 ${f.total} 以內` : '';
  return `每個檔案 ${f.file} 以內${total}，最多 ${f.files} 個；接受${f.kinds}。`;
}

/** The image formats a chat accepts, as the chat's label names them. */
export const IMAGE_FORMATS_TEXT = 'JPG、PNG、GIF、WebP、BMP';

/** 4 MB without the space, as the PICS manual (seed 000) words its attachment rule. */
const tight = (size: string) => size.replace(' ', '');

export const UPLOAD_POLICIES = {
  /** PICS 線上掛號 attachments and desk replies (seed 000): each ≤ 4 MB, ≤ 10 MB together. */
  picsAttachments: {
    maxFileBytes: 4 * MB,
    maxTotalBytes: 10 * MB,
    maxFiles: 10,
    kinds: ['image', 'pdf', 'office', 'text', 'zip'],
    hint: (f) => `反應問題可逐一選擇多個附件檔上傳。單一檔案上傳容量限制為${tight(f.file)}，總容量為${tight(f.total)}。接受${f.kinds} 壓縮檔。`,
  },
  /** A picture sent in a PICS 文字客服 chat, by the asker or the agent. */
  picsChatImage: {
    maxFileBytes: 4 * MB,
    maxTotalBytes: 4 * MB,
    maxFiles: 1,
    kinds: ['image'],
    hint: (f) => `${IMAGE_FORMATS_TEXT}，${f.file} 以內`,
  },
  /** Attachments of a job posting (職缺). */
  jobsPosting: {
    maxFileBytes: 4 * MB,
    maxTotalBytes: 10 * MB,
    maxFiles: 3,
    kinds: ['pdf', 'office', 'image', 'text', 'zip'],
    hint: (f) => `最多 ${f.files} 個檔案，每個不超過 ${f.file}；接受 ${f.kinds}。`,
  },
  /** The résumé file of a job application (應徵). */
  jobsResume: {
    maxFileBytes: 4 * MB,
    maxTotalBytes: 4 * MB,
    maxFiles: 1,
    kinds: ['pdf', 'office', 'image', 'text'],
    hint: (f) => `${f.files} 個檔案，不超過 ${f.file}；例如填妥的公務人員履歷表、證照影本（${f.kinds}）。`,
  },
  /** Proof attached to a MyData correction request (申請更正). */
  mydataProof: {
    maxFileBytes: 4 * MB,
    maxTotalBytes: 10 * MB,
    maxFiles: 3,
    kinds: ['image', 'pdf', 'office', 'text', 'zip'],
    hint: (f) => `最多 ${f.files} 個檔案，單一檔案不超過 ${f.file}，合計不超過 ${f.total}；接受${f.kinds}。`,
  },
  /** 步驟五之一: the optional file of a cloud service's conditions. */
  cloudConditions: {
    maxFileBytes: 5 * MB,
    maxTotalBytes: 5 * MB,
    maxFiles: 1,
    kinds: ['pdf', 'office', 'text', 'image', 'zip'],
    hint: (f) => `若有說明檔案可上傳一個，限 ${f.kinds}，大小 ${f.file} 以內；再次上傳會取代原檔案。`,
  },
  /** 錯誤回報 附件: one file (錯誤畫面 or a document). */
  cloudReport: {
    maxFileBytes: 5 * MB,
    maxTotalBytes: 5 * MB,
    maxFiles: 1,
    kinds: ['image', 'pdf', 'office', 'text', 'zip'],
    hint: (f) => `錯誤畫面或說明檔案 ${f.files} 個，${f.file} 以內；接受${f.kinds}。`,
  },
  /** 檔案下載 (cloud site admin): one file. */
  cloudDownload: {
    maxFileBytes: 20 * MB,
    maxTotalBytes: 20 * MB,
    maxFiles: 1,
    kinds: ['pdf', 'office', 'text', 'zip', 'image'],
    hint: (f) => `${f.file} 以內；${f.kinds}。`,
  },
  /** Attachments of a 網頁訊息 (e公務) message. */
  messageAttachments: {
    maxFileBytes: 4 * MB,
    maxTotalBytes: 10 * MB,
    maxFiles: 3,
    kinds: ['image', 'pdf', 'office', 'text', 'zip'],
    hint: (f) => `最多 ${f.files} 個檔案，單一檔案不超過 ${f.file}，合計不超過 ${f.total}；接受${f.kinds}。`,
  },
} satisfies Record<string, DeclaredUploadPolicy>;

export type UploadPolicyName = keyof typeof UPLOAD_POLICIES;
