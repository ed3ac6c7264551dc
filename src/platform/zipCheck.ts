import yauzl, { type Entry, type ZipFile } from 'yauzl';

/**
 * Archives (ZIP, and the Office/OpenDocument formats, which are ZIP inside) are never
 * extracted by the portal, but the agent or officer who downloads one will open it. So every
 * archive is read to its end here, inflating each entry with a byte cap, and refused when it
 * would unpack to more than `maxUnpackedBytes`, holds more than `maxEntries` entries, has an
 * entry that inflates over `maxRatio` times its compressed size, or (plain ZIP only) holds
 * another archive: the shapes of zip bombs, including nested ones and ones whose headers lie.
 */
export interface ArchiveLimits {
  maxUnpackedBytes: number;
  maxEntries: number;
  maxRatio: number;
  /** Refuse archives inside the archive (plain ZIP uploads). */
  refuseNested: boolean;
}

export const ARCHIVE_LIMITS: ArchiveLimits = { maxUnpackedBytes: 100 * 1024 * 1024, maxEntries: 1000, maxRatio: 200, refuseNested: true };

export type ArchiveVerdict = 'ok' | 'too_large' | 'too_many_entries' | 'nested' | 'broken';

const NESTED = /\.(zip|7z|rar|gz|tgz|bz2|xz|tar|jar|cab|zipx)$/i;
// Small entries compress well by nature; the ratio is judged only past this size.
const RATIO_FLOOR = 1024 * 1024;

function open(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

class Verdict extends Error {
  constructor(readonly verdict: ArchiveVerdict) {
    super(verdict);
  }
}

/** Inflates one entry, counting; stops as soon as a limit is passed. */
function inflateCounting(zip: ZipFile, entry: Entry, budget: number, maxRatio: number): Promise<number> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      let n = 0;
      stream.on('data', (chunk: Buffer) => {
        n += chunk.length;
        if (n > budget) stream.destroy(new Verdict('too_large'));
        else if (n > RATIO_FLOOR && n > maxRatio * Math.max(entry.compressedSize, 1)) stream.destroy(new Verdict('too_large'));
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(n));
    });
  });
}

export async function checkArchive(file: string, limits: ArchiveLimits = ARCHIVE_LIMITS): Promise<ArchiveVerdict> {
  let zip: ZipFile;
  try {
    zip = await open(file);
  } catch {
    return 'broken';
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    return 'too_many_entries';
  }
  let unpacked = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: Entry) => {
        (async () => {
          if (limits.refuseNested && NESTED.test(entry.fileName)) throw new Verdict('nested');
          const declared = entry.uncompressedSize;
          if (unpacked + declared > limits.maxUnpackedBytes) throw new Verdict('too_large');
          if (declared > RATIO_FLOOR && declared > limits.maxRatio * Math.max(entry.compressedSize, 1)) throw new Verdict('too_large');
          // Encrypted entries cannot be inflated here: their declared sizes were checked above.
          if (!entry.fileName.endsWith('/') && !entry.isEncrypted()) {
            unpacked += await inflateCounting(zip, entry, limits.maxUnpackedBytes - unpacked, limits.maxRatio);
          } else {
            unpacked += declared;
          }
          zip.readEntry();
        })().catch(reject);
      });
      zip.readEntry();
    });
    return 'ok';
  } catch (e) {
    zip.close();
    return e instanceof Verdict ? e.verdict : 'broken';
  }
}
