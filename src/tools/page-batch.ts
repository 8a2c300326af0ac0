/**
 * Whole batches of pages through the cipher in one native call, for the offline tools: a JS-native
 * crossing (and a copy) per page cost more than the cipher itself (verify ran at about 335 MB/s, decrypt
 * at 160-200 MB/s, while AEGIS runs at several GB/s). The tools read a few MiB of consecutive pages,
 * open or seal them here in place, and write them out in one go; memory stays one batch.
 *
 * The native batch covers Turso's format for pages other than page 1 (no associated data). Page 1, a
 * codec of another format (a subclass that binds more into the associated data) and the TS backend go
 * through the codec page by page, so the batch never changes what is accepted or written.
 */
import { loadAddon, type NativeCipherFunctions } from '../addon.js';
import { nativeCipherId, wipeNativeKeyCache } from '../ciphers/native-backend.js';
import type { BackendName } from '../ciphers/types.js';
import { AuthenticationError, PagesealError } from '../errors.js';
import { TursoPageFormat, type PageContext, type PageFormat } from '../format/page-codec.js';
import type { ResolvedEncryption } from '../options.js';

/** Bytes of pages the tools hold at once (whole pages; at least one page). */
export const BATCH_BYTES = 4 << 20;

export function batchPages(pageSize: number): number {
  return Math.max(1, Math.floor(BATCH_BYTES / pageSize));
}

export interface PageBatch {
  /** Seals pages firstPageNo..firstPageNo+count-1 held back to back in `pages`, in place. */
  encrypt(firstPageNo: number, pages: Uint8Array, count: number): void;
  /**
   * Opens the pages in place; returns the failures as { pageNo, error } (the page's bytes are then
   * zeroed). A failure that is not an authentication or format error is thrown.
   */
  decrypt(firstPageNo: number, pages: Uint8Array, count: number): { pageNo: number; error: PagesealError }[];
  /** Wipes the expanded key the native binding caches for this thread. */
  wipe(): void;
}

function nativePages(backend: BackendName | undefined): NativeCipherFunctions | null {
  if (backend === 'ts') return null;
  const addon = loadAddon();
  return addon && typeof addon.cryptPages === 'function' ? addon : null;
}

/**
 * A batch over `codec` (its cipher, key `enc` and page size). `contextOf` gives the per-page context a
 * format may bind (page-by-page path only: the native batch is used for the plain Turso format alone).
 */
export function pageBatch(codec: PageFormat, enc: ResolvedEncryption, backend?: BackendName, contextOf: (pageNo: number) => PageContext = () => ({})): PageBatch {
  const ps = codec.pageSize;
  const plainTurso = Object.getPrototypeOf(codec) === TursoPageFormat.prototype; // not a subclass with more associated data
  const native = plainTurso && codec.cipher.name === enc.cipher.name ? nativePages(backend) : null;
  const page = (pages: Uint8Array, i: number) => pages.subarray(i * ps, (i + 1) * ps);
  const perPage = {
    encrypt(first: number, pages: Uint8Array, count: number, from = 0): void {
      for (let i = from; i < count; i++) codec.encryptPage(first + i, page(pages, i), contextOf(first + i));
    },
    decrypt(first: number, pages: Uint8Array, count: number, from = 0) {
      const failures: { pageNo: number; error: PagesealError }[] = [];
      for (let i = from; i < count; i++) {
        try {
          codec.decryptPage(first + i, page(pages, i), contextOf(first + i));
        } catch (error) {
          if (!(error instanceof PagesealError)) throw error;
          page(pages, i).fill(0);
          failures.push({ pageNo: first + i, error });
        }
      }
      return failures;
    },
  };
  if (!native) return { encrypt: (f, p, c) => perPage.encrypt(f, p, c), decrypt: (f, p, c) => perPage.decrypt(f, p, c), wipe: () => {} };
  const id = nativeCipherId(enc.cipher.name);
  // Page 1 (when the batch starts there) through the codec; the rest in one native call.
  const rest = (first: number, pages: Uint8Array, count: number) => {
    const skip = first === 1 ? 1 : 0;
    return { skip, view: pages.subarray(skip * ps, count * ps), n: count - skip };
  };
  return {
    encrypt(first, pages, count) {
      if (first === 1 && count > 0) perPage.encrypt(1, pages, 1);
      const r = rest(first, pages, count);
      if (r.n > 0) native.cryptPages(id, enc.key, 'encrypt', r.view, ps, r.n, false);
    },
    decrypt(first, pages, count) {
      const failures = first === 1 && count > 0 ? perPage.decrypt(1, pages, 1) : [];
      const r = rest(first, pages, count);
      if (r.n > 0) {
        for (const i of native.cryptPages(id, enc.key, 'decrypt', r.view, ps, r.n, false)) {
          const pageNo = first + r.skip + i;
          failures.push({ pageNo, error: new AuthenticationError(`page ${pageNo} failed authentication (wrong key, or the page was modified)`, pageNo) });
        }
      }
      return failures;
    },
    wipe: wipeNativeKeyCache,
  };
}
