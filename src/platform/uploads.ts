import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer, { type StorageEngine } from 'multer';
import { fileTypeFromFile } from 'file-type';
import type { Db } from './database';
import { referencedStoredNames } from './uploadsRepository';
import { DomainError } from './errors';
import { containsNul, NUL_MESSAGE } from './web/rejectNul';
import { ARCHIVE_LIMITS, checkArchive, type ArchiveVerdict } from './zipCheck';
import { formatBytes, type FileKind, type UploadPolicy } from './uploadPolicies';

export type { FileKind, UploadPolicy } from './uploadPolicies';

export const UPLOAD_MESSAGES = {
  fileTooLarge: (limit: number) => `單一檔案大小不可超過 ${formatBytes(limit)}。`,
  totalTooLarge: (limit: number) => `附件總大小不可超過 ${formatBytes(limit)}。`,
  tooManyFiles: (limit: number) => `附件最多 ${limit} 個檔案。`,
  badType: (name: string) => `「${name}」的檔案格式不符，僅接受圖片、PDF、Office 文件、純文字或 ZIP 壓縮檔。`,
  notImage: (name: string) => `「${name}」不是圖片檔，僅接受 JPG、PNG、GIF、WebP 或 BMP。`,
  mismatch: (name: string) => `「${name}」的檔案內容與副檔名不符。`,
  empty: (name: string) => `「${name}」是空的檔案。`,
  broken: '檔案上傳不完整，請重新上傳。',
  archiveTooLarge: (name: string) => `「${name}」解壓縮後過大（超過 ${formatBytes(ARCHIVE_LIMITS.maxUnpackedBytes)}）或壓縮比異常，請改以未壓縮或分批的檔案上傳。`,
  archiveTooManyEntries: (name: string) => `「${name}」內含檔案過多（超過 ${ARCHIVE_LIMITS.maxEntries.toLocaleString('en')} 個），請分批上傳。`,
  archiveNested: (name: string) => `「${name}」內含其他壓縮檔，請解壓縮後再上傳。`,
  archiveBroken: (name: string) => `「${name}」已損毀或含有不安全的檔名，無法接受。`,
  unwritable: '檔案暫時無法儲存，請稍後再試；資料未送出。',
} as const;

/** Accepted extensions per kind; the detected content must belong to the same kind. */
const KIND_OF_EXTENSION: Record<string, FileKind> = {
  jpg: 'image', jpeg: 'image', png: 'image', gif: 'image', webp: 'image', bmp: 'image',
  pdf: 'pdf',
  doc: 'office', docx: 'office', xls: 'office', xlsx: 'office', ppt: 'office', pptx: 'office', odt: 'office', ods: 'office', odp: 'office',
  txt: 'text', csv: 'text', log: 'text',
  zip: 'zip',
};

const KIND_OF_DETECTED: Record<string, FileKind> = {
  jpg: 'image', png: 'image', gif: 'image', webp: 'image', bmp: 'image',
  pdf: 'pdf',
  docx: 'office', xlsx: 'office', pptx: 'office', odt: 'office', ods: 'office', odp: 'office', cfb: 'office',
  zip: 'zip',
};

export const MIME_OF_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp',
  pdf: 'application/pdf',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text', ods: 'application/vnd.oasis.opendocument.spreadsheet', odp: 'application/vnd.oasis.opendocument.presentation',
  txt: 'text/plain; charset=utf-8', csv: 'text/csv; charset=utf-8', log: 'text/plain; charset=utf-8',
  zip: 'application/zip',
};

/**
 * A client's file name made safe to show and to offer on download: the last path
 * segment only, no control or reserved characters, at most 100 characters with the
 * extension kept.
 */
export function safeFileName(name: string): string {
  const last = name.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  let clean = last.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '').replace(/^\.+/, '').trim();
  if (!clean) clean = 'file';
  const chars = [...clean];
  if (chars.length > 100) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 ? [...clean.slice(dot)].slice(0, 10).join('') : '';
    clean = chars.slice(0, 100 - ext.length).join('') + ext;
  }
  return clean.normalize('NFC');
}

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** A file received into the incoming folder, checked, not yet kept. */
export interface ReceivedFile {
  field: string;
  originalName: string;
  tempPath: string;
  size: number;
  sha256: string;
  mime: string;
  kind: FileKind;
}

/** A kept file: `storedName` is the generated name to save in the database. */
export interface StoredFile extends Omit<ReceivedFile, 'tempPath'> {
  storedName: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Files of a multipart request that passed the policy. */
    uploads?: ReceivedFile[];
    /** Why the files were refused (zh-TW); the route shows it on the same form. */
    uploadError?: string;
  }
}

class UploadRefused extends Error {}

/** Multer storage that counts every byte of the request, hashing while writing. */
function countingDiskStorage(incoming: string, policy: UploadPolicy): StorageEngine {
  return {
    _handleFile(req, file, cb) {
      const r = req as Request & { _uploadBytes?: number };
      const name = crypto.randomUUID();
      const target = path.join(incoming, name);
      const hash = crypto.createHash('sha256');
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          r._uploadBytes = (r._uploadBytes ?? 0) + chunk.length;
          if (r._uploadBytes > policy.maxTotalBytes) return done(new UploadRefused(UPLOAD_MESSAGES.totalTooLarge(policy.maxTotalBytes)));
          hash.update(chunk);
          done(null, chunk);
        },
      });
      pipeline(file.stream, counter, fs.createWriteStream(target, { flags: 'wx', mode: 0o600 }))
        .then(() => cb(null, { path: target, size, filename: name, destination: incoming, ...({ sha256: hash.digest('hex') } as object) }))
        .catch((err) => {
          fs.rm(target, { force: true }, () => cb(err));
        });
    },
    _removeFile(_req, file, cb) {
      fs.rm(file.path, { force: true }, () => cb(null));
    },
  };
}

/** Multer storage that reads each file to its end and keeps nothing. */
function discardingStorage(): StorageEngine {
  return {
    _handleFile(_req, file, cb) {
      file.stream.on('end', () => cb(null, { size: 0 }));
      file.stream.on('error', cb);
      file.stream.resume();
    },
    _removeFile(_req, _file, cb) {
      cb(null);
    },
  };
}

async function looksLikeText(file: string): Promise<boolean> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    if (head.includes(0)) return false;
    try {
      // A cut in the middle of a multi-byte character at the end is fine.
      new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, bytesRead === buf.length ? bytesRead - 4 : bytesRead));
      return true;
    } catch {
      return false;
    }
  } finally {
    await fh.close();
  }
}

/** Checks one received file's content against the policy; returns the refusal or its kind. */
export async function classify(tempPath: string, originalName: string, policy: UploadPolicy): Promise<{ kind: FileKind; mime: string } | string> {
  const ext = extensionOf(originalName);
  const claimed = KIND_OF_EXTENSION[ext];
  const onlyImages = policy.kinds.length === 1 && policy.kinds[0] === 'image';
  const refuse = onlyImages ? UPLOAD_MESSAGES.notImage(originalName) : UPLOAD_MESSAGES.badType(originalName);
  if (!claimed || !policy.kinds.includes(claimed)) return refuse;
  const detected = await fileTypeFromFile(tempPath);
  if (claimed === 'text') {
    if (detected || !(await looksLikeText(tempPath))) return UPLOAD_MESSAGES.mismatch(originalName);
    return { kind: 'text', mime: MIME_OF_EXTENSION[ext]! };
  }
  if (!detected) return onlyImages ? refuse : UPLOAD_MESSAGES.mismatch(originalName);
  const kind = KIND_OF_DETECTED[detected.ext];
  if (!kind || !policy.kinds.includes(kind)) return onlyImages ? refuse : UPLOAD_MESSAGES.mismatch(originalName);
  if (kind !== claimed) return UPLOAD_MESSAGES.mismatch(originalName);
  // Old Office files are all CFB; a .docx must really be a .docx.
  if (kind === 'office' && detected.ext !== 'cfb' && detected.ext !== ext) return UPLOAD_MESSAGES.mismatch(originalName);
  if (kind === 'office' && detected.ext === 'cfb' && !['doc', 'xls', 'ppt'].includes(ext)) return UPLOAD_MESSAGES.mismatch(originalName);
  if (kind === 'zip' || ZIP_CONTAINERS.has(detected.ext)) {
    // A spreadsheet of repeated values may legitimately compress past any ratio: Office files
    // are held to the unpacked size only; plain ZIPs also to the ratio and to no nesting.
    const plainZip = kind === 'zip';
    const verdict = await checkArchive(tempPath, { ...ARCHIVE_LIMITS, refuseNested: plainZip, maxRatio: plainZip ? ARCHIVE_LIMITS.maxRatio : Infinity });
    if (verdict !== 'ok') return ARCHIVE_REFUSAL[verdict](originalName);
  }
  return { kind, mime: kind === 'image' || kind === 'pdf' || kind === 'zip' ? detected.mime : MIME_OF_EXTENSION[ext]! };
}

/** Office and OpenDocument formats that are ZIP inside, and so can be zip bombs too. */
const ZIP_CONTAINERS = new Set(['docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp']);

const ARCHIVE_REFUSAL: Record<Exclude<ArchiveVerdict, 'ok'>, (name: string) => string> = {
  too_large: UPLOAD_MESSAGES.archiveTooLarge,
  too_many_entries: UPLOAD_MESSAGES.archiveTooManyEntries,
  nested: UPLOAD_MESSAGES.archiveNested,
  broken: UPLOAD_MESSAGES.archiveBroken,
};

/**
 * Uploaded files live under `root` (outside the web root) under generated names:
 * `incoming/` while a request is checked, `store/YYYY/MM/` once kept.
 */
export function createUploadStore(root: string) {
  const incoming = path.join(root, 'incoming');
  const store = path.join(root, 'store');

  function resolveStored(storedName: string): string {
    if (!/^\d{4}\/\d{2}\/[0-9a-f-]{36}$/.test(storedName)) throw new Error('bad stored name');
    return path.join(store, storedName);
  }

  async function discard(files: ReceivedFile[] | undefined) {
    await Promise.all((files ?? []).map((f) => fs.promises.rm(f.tempPath, { force: true })));
  }

  return {
    root,
    /**
     * Parses a multipart form: text fields into `req.body`, files checked against the
     * policy while streaming (size, count, total) and then by content. A refusal sets
     * `req.uploadError` and keeps nothing, so the route can show the form again.
     * `fields` names the file inputs; `opts.textFields` raises the number of text fields a
     * form may send (100), for forms with many checkboxes.
     */
    receive(fields: string[], policy: UploadPolicy, opts: { textFields?: number } = {}): RequestHandler {
      const textFields = opts.textFields ?? 100;
      const upload = multer({
        storage: countingDiskStorage(incoming, policy),
        defParamCharset: 'utf8',
        limits: { fileSize: policy.maxFileBytes, files: policy.maxFiles, fields: textFields, fieldSize: 200 * 1024, parts: textFields + 20 },
      } as multer.Options).fields(fields.map((name) => ({ name, maxCount: policy.maxFiles })));
      return (req: Request, res: Response, next: NextFunction) => {
        if (!req.is('multipart/form-data')) {
          req.uploads = [];
          return next();
        }
        fs.promises
          .mkdir(incoming, { recursive: true })
          .then(() => {
            upload(req, res, async (err: unknown) => {
              const raw = Object.values((req.files as Record<string, Express.Multer.File[]>) ?? {}).flat();
              const received: ReceivedFile[] = raw.map((f) => ({
                field: f.fieldname,
                originalName: safeFileName(f.originalname),
                tempPath: f.path,
                size: f.size,
                sha256: (f as unknown as { sha256: string }).sha256,
                mime: '',
                kind: 'text',
              }));
              req.body ??= {};
              if (containsNul(req.body)) {
                await discard(received);
                return next(new DomainError('bad_characters', NUL_MESSAGE, 400));
              }
              if (err) {
                await discard(received);
                if (err instanceof multer.MulterError) {
                  req.uploadError =
                    err.code === 'LIMIT_FILE_SIZE'
                      ? UPLOAD_MESSAGES.fileTooLarge(policy.maxFileBytes)
                      : err.code === 'LIMIT_FILE_COUNT' || err.code === 'LIMIT_UNEXPECTED_FILE'
                        ? UPLOAD_MESSAGES.tooManyFiles(policy.maxFiles)
                        : UPLOAD_MESSAGES.broken;
                  return next();
                }
                if (err instanceof UploadRefused) {
                  req.uploadError = err.message;
                  return next();
                }
                const code = (err as NodeJS.ErrnoException).code;
                if (code === 'EACCES' || code === 'ENOSPC' || code === 'EROFS' || code === 'ENOENT') {
                  req.uploadError = UPLOAD_MESSAGES.unwritable;
                  return next();
                }
                // A client that hung up mid-upload.
                req.uploadError = UPLOAD_MESSAGES.broken;
                return next();
              }
              try {
                for (const f of received) {
                  if (f.size === 0) throw new UploadRefused(UPLOAD_MESSAGES.empty(f.originalName));
                  const verdict = await classify(f.tempPath, f.originalName, policy);
                  if (typeof verdict === 'string') throw new UploadRefused(verdict);
                  f.kind = verdict.kind;
                  f.mime = verdict.mime;
                }
                req.uploads = received;
                next();
              } catch (e) {
                await discard(received);
                if (e instanceof UploadRefused) {
                  req.uploadError = e.message;
                  return next();
                }
                next(e);
              }
            });
          })
          .catch(() => {
            // The folder cannot be written: read the form's fields (so the page can show what
            // was typed), drop the files, and say why.
            const fieldsOnly = multer({ storage: discardingStorage(), defParamCharset: 'utf8', limits: { fields: 100, fieldSize: 200 * 1024, parts: 120 } } as multer.Options).any();
            fieldsOnly(req, res, () => {
              req.body ??= {};
              if (containsNul(req.body)) return next(new DomainError('bad_characters', NUL_MESSAGE, 400));
              req.uploads = [];
              req.uploadError = UPLOAD_MESSAGES.unwritable;
              next();
            });
          });
      };
    },

    /**
     * Keeps the received files and runs `save` (the caller's transaction that records
     * them). When `save` throws, the kept files are removed again, so a failure leaves
     * neither a row nor a file.
     */
    async keep<T>(files: ReceivedFile[], save: (stored: StoredFile[]) => Promise<T>): Promise<T> {
      const now = new Date();
      const dir = `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
      const stored: StoredFile[] = [];
      try {
        if (files.length) await fs.promises.mkdir(path.join(store, dir), { recursive: true });
        for (const f of files) {
          const storedName = `${dir}/${crypto.randomUUID()}`;
          await fs.promises.rename(f.tempPath, path.join(store, storedName));
          // The orphan sweep goes by the time a file was kept.
          await fs.promises.utimes(path.join(store, storedName), now, now);
          const { tempPath: _t, ...rest } = f;
          stored.push({ ...rest, storedName });
        }
        return await save(stored);
      } catch (err) {
        await Promise.all(stored.map((s) => fs.promises.rm(resolveStored(s.storedName), { force: true })));
        throw err;
      } finally {
        await discard(files);
      }
    },

    /** Writes a server-made file (e.g. a generated PDF) into the store. */
    async put(data: Buffer): Promise<string> {
      const now = new Date();
      const dir = `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
      await fs.promises.mkdir(path.join(store, dir), { recursive: true });
      const storedName = `${dir}/${crypto.randomUUID()}`;
      await fs.promises.writeFile(path.join(store, storedName), data, { flag: 'wx', mode: 0o600 });
      return storedName;
    },

    discard,

    async remove(storedName: string) {
      await fs.promises.rm(resolveStored(storedName), { force: true });
    },

    pathOf: resolveStored,

    /**
     * Sends a kept file as a download with a safe name; `inline` only for images and PDF.
     */
    send(res: Response, file: { storedName: string; originalName: string; mime: string }, opts: { inline?: boolean } = {}) {
      const inline = opts.inline && /^(image\/(png|jpeg|gif|webp|bmp)|application\/pdf)$/.test(file.mime);
      res.setHeader('Content-Type', file.mime);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
      res.setHeader('Cache-Control', 'private, no-store');
      res.attachment(file.originalName);
      if (inline) res.setHeader('Content-Disposition', res.getHeader('Content-Disposition')!.toString().replace(/^attachment/, 'inline'));
      res.sendFile(resolveStored(file.storedName));
    },

    /**
     * Removes kept files no row refers to, older than `olderThanMs`: a process killed between
     * keeping a file and committing its row leaves one (referencedStoredNames says which
     * files rows still name).
     */
    async sweepOrphans(db: Db, olderThanMs = 10 * 60_000): Promise<number> {
      const files: string[] = [];
      const walk = async (dir: string, prefix: string) => {
        let entries: fs.Dirent[];
        try {
          entries = await fs.promises.readdir(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          if (e.isDirectory()) await walk(path.join(dir, e.name), `${prefix}${e.name}/`);
          else files.push(`${prefix}${e.name}`);
        }
      };
      await walk(store, '');
      if (!files.length) return 0;
      const referenced = await referencedStoredNames(db, files);
      let removed = 0;
      for (const f of files) {
        if (referenced.has(f)) continue;
        const st = await fs.promises.stat(path.join(store, f)).catch(() => null);
        if (st && Date.now() - st.mtimeMs >= olderThanMs) {
          await fs.promises.rm(path.join(store, f), { force: true });
          removed++;
        }
      }
      return removed;
    },

    /** Removes incoming files left by requests that died (run at start and daily). */
    async sweepIncoming(olderThanMs = 60 * 60_000) {
      let names: string[];
      try {
        names = await fs.promises.readdir(incoming);
      } catch {
        return 0;
      }
      let removed = 0;
      for (const n of names) {
        const p = path.join(incoming, n);
        const st = await fs.promises.stat(p).catch(() => null);
        if (st && Date.now() - st.mtimeMs > olderThanMs) {
          await fs.promises.rm(p, { force: true });
          removed++;
        }
      }
      return removed;
    },
  };
}

export type UploadStore = ReturnType<typeof createUploadStore>;
