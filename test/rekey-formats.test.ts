/**
 * Rekey across page formats and with passphrases (issue 11 part 3): rekeyFile, db.rekey, PRAGMA
 * rehexkey and `pageseal rekey` between every pair of plain, Turso-format key, pageseal-format key
 * and pageseal-format passphrase. A pageseal-format result is a new database (new database id, and
 * for a passphrase a new salt and the requested KDF parameters). A wrong key or passphrase changes
 * nothing; secrets never appear in errors, results or inspect output.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { AuthenticationError, Database, FormatError, InvalidOptionsError, info, rekeyFile, verifyFile, type EncryptionOpts } from '../src/index.js';
import { CLI, ensureBuiltCli } from './helpers/built-cli.js';
import { randomHexKey, scratchDir, sha256File } from './helpers/files.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratchDir('pageseal-rekey-formats-')));
afterEach(() => cleanup());

const FAST = { log2N: 10, r: 8, p: 1 }; // tests only: the minimum the KDF accepts
const PASS = 'correct horse battery staple \u00e9';
const PASS2 = 'tr0ub4dor&3 another one';

function pass(cipher: 'aegis256' | 'aes128gcm' | 'aegis128l' | 'aes256gcm', passphrase: string, log2N = FAST.log2N): EncryptionOpts {
  return { cipher, passphrase, format: 'pageseal', kdf: { ...FAST, log2N } };
}

/** The options to open an existing database with (a passphrase's kdf is the file's own). */
function openOpts(o: EncryptionOpts | null): EncryptionOpts | undefined {
  if (!o) return undefined;
  if (o.passphrase !== undefined) return { cipher: o.cipher, passphrase: o.passphrase, format: 'pageseal' };
  return o;
}

function create(path: string, enc: EncryptionOpts | null, wal: boolean, rows = 400): void {
  const db = new Database(path, enc ? { encryption: enc } : {});
  db.pragma(`journal_mode = ${wal ? 'WAL' : 'DELETE'}`);
  db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, b BLOB); CREATE INDEX t_v ON t(v)');
  const ins = db.prepare('INSERT INTO t(v, b) VALUES (?, randomblob(200))');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(`row ${i}`);
  })();
  db.close();
}

function rows(path: string, enc: EncryptionOpts | null): { n: number; check: string; mode: string } {
  const db = new Database(path, enc ? { encryption: openOpts(enc)! } : { readonly: true });
  try {
    return {
      n: db.prepare('SELECT count(*) FROM t').pluck().get() as number,
      check: String(db.pragma('integrity_check', { simple: true })),
      mode: String(db.pragma('journal_mode', { simple: true })),
    };
  } finally {
    db.close();
  }
}

function rows2(path: string, enc: EncryptionOpts): number {
  const db = new Database(path, { encryption: openOpts(enc)! });
  try {
    return db.prepare('SELECT count(*) FROM t').pluck().get() as number;
  } finally {
    db.close();
  }
}

function dbIdOf(path: string): string | undefined {
  return info(path).databaseId;
}

const hex256 = (): string => randomHexKey(32);
const hex128 = (): string => randomHexKey(16);

describe('rekeyFile across formats', () => {
  const cases: { name: string; from: () => EncryptionOpts | null; to: () => EncryptionOpts | null; wal: boolean }[] = [
    { name: 'turso key -> pageseal key (48 -> 28)', from: () => ({ cipher: 'aegis256', hexkey: hex256() }), to: () => ({ cipher: 'aes128gcm', hexkey: hex128(), format: 'pageseal' }), wal: true },
    { name: 'pageseal key -> pageseal new key, other cipher', from: () => ({ cipher: 'aegis256', hexkey: hex256(), format: 'pageseal' }), to: () => ({ cipher: 'aegis128l', hexkey: hex128(), format: 'pageseal' }), wal: false },
    { name: 'pageseal key -> pageseal new key, same cipher', from: () => ({ cipher: 'aes256gcm', hexkey: hex256(), format: 'pageseal' }), to: () => ({ cipher: 'aes256gcm', hexkey: hex256(), format: 'pageseal' }), wal: true },
    { name: 'pageseal key -> passphrase', from: () => ({ cipher: 'aegis256', hexkey: hex256(), format: 'pageseal' }), to: () => pass('aegis256', PASS), wal: true },
    { name: 'passphrase -> new passphrase, other cipher', from: () => pass('aes128gcm', PASS), to: () => pass('aegis256', PASS2), wal: false },
    { name: 'passphrase -> turso key', from: () => pass('aegis256', PASS), to: () => ({ cipher: 'aegis256', hexkey: hex256() }), wal: true },
    { name: 'passphrase -> pageseal key', from: () => pass('aegis128l', PASS), to: () => ({ cipher: 'aegis128l', hexkey: hex128(), format: 'pageseal' }), wal: false },
    { name: 'pageseal key -> turso key', from: () => ({ cipher: 'aes128gcm', hexkey: hex128(), format: 'pageseal' }), to: () => ({ cipher: 'aegis256', hexkey: hex256() }), wal: false },
    { name: 'pageseal key -> plain', from: () => ({ cipher: 'aegis256', hexkey: hex256(), format: 'pageseal' }), to: () => null, wal: true },
    { name: 'passphrase -> plain', from: () => pass('aes256gcm', PASS), to: () => null, wal: false },
    { name: 'plain -> passphrase', from: () => null, to: () => pass('aegis256', PASS), wal: true },
    { name: 'plain -> pageseal key', from: () => null, to: () => ({ cipher: 'aes128gcm', hexkey: hex128(), format: 'pageseal' }), wal: false },
    { name: 'turso key -> passphrase', from: () => ({ cipher: 'aes256gcm', hexkey: hex256() }), to: () => pass('aes256gcm', PASS2), wal: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const path = join(dir, 'x.db');
      const from = c.from();
      const to = c.to();
      create(path, from, c.wal);
      const before = from?.format === 'pageseal' ? dbIdOf(path) : undefined;
      const r = rekeyFile(path, { from, to });
      expect(r.fromFormat).toBe(from ? from.format ?? 'turso' : 'plain');
      expect(r.toFormat).toBe(to ? to.format ?? 'turso' : 'plain');
      expect(r.toPassphrase).toBe(to?.passphrase !== undefined);
      const i = info(path);
      expect(i.format).toBe(to ? (to.format === 'pageseal' ? 'pageseal' : 'turso') : 'sqlite');
      if (to?.format === 'pageseal') {
        expect(i.databaseId).toMatch(/^[0-9a-f]{32}$/);
        expect(i.databaseId).not.toBe(before); // the copy is a new database
        expect(i.kdf ? i.kdf.log2N : null).toBe(to.passphrase !== undefined ? FAST.log2N : null);
      }
      expect(rows(path, to)).toEqual({ n: 400, check: 'ok', mode: c.wal ? 'wal' : 'delete' });
      if (to) expect(verifyFile(path, openOpts(to)!).ok).toBe(true);
      // the old key no longer opens it
      if (from) expect(() => rows(path, from)).toThrow();
      expect(readdirSync(dir).filter((f) => f.includes('pageseal-rekey'))).toEqual([]);
    });
  }

  it('a passphrase target without kdf gets the default scrypt parameters; a later rekey raises them', () => {
    const path = join(dir, 'x.db');
    create(path, pass('aegis256', PASS, 11), false, 50);
    expect(info(path).kdf).toMatchObject({ log2N: 11 });
    rekeyFile(path, { from: pass('aegis256', PASS), to: { cipher: 'aegis256', passphrase: PASS, format: 'pageseal' } });
    expect(info(path).kdf).toEqual({ name: 'scrypt', log2N: 17, r: 8, p: 1 });
    expect(rows(path, pass('aegis256', PASS)).n).toBe(50);
    rekeyFile(path, { from: pass('aegis256', PASS), to: pass('aegis256', PASS, 12) });
    expect(info(path).kdf).toMatchObject({ log2N: 12 });
    expect(rows(path, pass('aegis256', PASS)).n).toBe(50);
  });

  it('the same passphrase rekeyed gives another key (new salt): the old file image does not decrypt under it', () => {
    const path = join(dir, 'x.db');
    create(path, pass('aegis256', PASS), false, 20);
    const id1 = dbIdOf(path);
    rekeyFile(path, { from: pass('aegis256', PASS), to: pass('aegis256', PASS) });
    expect(dbIdOf(path)).not.toBe(id1);
    expect(rows(path, pass('aegis256', PASS)).n).toBe(20);
  });
});

describe('rekeyFile refusals change nothing', () => {
  function snapshot(): Map<string, string> {
    return new Map(readdirSync(dir).map((f) => [f, sha256File(join(dir, f))]));
  }

  it('a wrong passphrase in from: AuthenticationError, the file byte for byte unchanged, no secret in the error', () => {
    const path = join(dir, 'x.db');
    create(path, pass('aegis256', PASS), false);
    const before = snapshot();
    let err: unknown;
    try {
      rekeyFile(path, { from: pass('aegis256', 'not the passphrase'), to: pass('aegis256', PASS2) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuthenticationError);
    const text = `${(err as Error).message} ${(err as Error).stack} ${inspect(err, { depth: 5 })}`;
    for (const s of ['not the passphrase', PASS2, PASS]) expect(text).not.toContain(s);
    expect(snapshot()).toEqual(before);
    expect(rows(path, pass('aegis256', PASS)).n).toBe(400);
  });

  it('a wrong passphrase in from on a WAL database with committed frames: main file and -wal unchanged', () => {
    const live = join(dir, 'live.db');
    const db = new Database(live, { encryption: pass('aes128gcm', PASS) });
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)');
    for (let i = 0; i < 20; i++) db.prepare("INSERT INTO t(v) VALUES ('a')").run();
    // the files as a killed writer leaves them: the main file and a -wal holding committed frames
    const path = join(dir, 'x.db');
    copyFileSync(live, path);
    copyFileSync(live + '-wal', path + '-wal');
    db.close();
    for (const f of readdirSync(dir)) if (f.startsWith('live.db')) rmSync(join(dir, f));
    expect(statSync(path + '-wal').size).toBeGreaterThan(0);
    const main = sha256File(path);
    const wal = sha256File(path + '-wal');
    expect(() => rekeyFile(path, { from: pass('aes128gcm', PASS2), to: null })).toThrow(AuthenticationError);
    expect(sha256File(path)).toBe(main);
    expect(sha256File(path + '-wal')).toBe(wal);
    expect(readdirSync(dir).filter((f) => !f.endsWith('-shm')).sort()).toEqual(['x.db', 'x.db-wal']);
    expect(rows2(path, pass('aes128gcm', PASS))).toBe(20);
  });

  it('a wrong raw key for a pageseal file: AuthenticationError, unchanged', () => {
    const path = join(dir, 'x.db');
    create(path, { cipher: 'aegis256', hexkey: hex256(), format: 'pageseal' }, true);
    const before = snapshot();
    const wrong = hex256();
    const e = (() => {
      try {
        rekeyFile(path, { from: { cipher: 'aegis256', hexkey: wrong, format: 'pageseal' }, to: null });
      } catch (x) {
        return x as Error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e!.message).not.toContain(wrong);
    expect(snapshot()).toEqual(before);
  });

  it('from in the wrong format, a passphrase for a raw-key file, a passphrase without pageseal: typed, unchanged', () => {
    const tursoPath = join(dir, 'turso.db');
    const psPath = join(dir, 'ps.db');
    const key = hex256();
    create(tursoPath, { cipher: 'aegis256', hexkey: key }, false, 10);
    create(psPath, { cipher: 'aegis256', hexkey: key, format: 'pageseal' }, false, 10);
    const before = snapshot();
    expect(() => rekeyFile(tursoPath, { from: { cipher: 'aegis256', hexkey: key, format: 'pageseal' }, to: null })).toThrow(FormatError);
    expect(() => rekeyFile(psPath, { from: { cipher: 'aegis256', hexkey: key }, to: null })).toThrow(/pageseal's format/);
    expect(() => rekeyFile(psPath, { from: pass('aegis256', PASS), to: null })).toThrow(InvalidOptionsError);
    expect(() => rekeyFile(psPath, { from: { cipher: 'aes256gcm', hexkey: key, format: 'pageseal' }, to: null })).toThrow(/CIPHER_MISMATCH|encrypted with aegis256/);
    expect(() => rekeyFile(psPath, { from: { cipher: 'aegis256', hexkey: key, format: 'pageseal' }, to: { cipher: 'aegis256', passphrase: PASS } as unknown as EncryptionOpts })).toThrow(InvalidOptionsError);
    expect(() => rekeyFile(psPath, { from: null, to: null })).toThrow(FormatError);
    expect(snapshot()).toEqual(before);
  });

  it('the result, its JSON and inspect hold no key or passphrase', () => {
    const path = join(dir, 'x.db');
    const k = hex256();
    create(path, { cipher: 'aegis256', hexkey: k, format: 'pageseal' }, false, 10);
    const r = rekeyFile(path, { from: { cipher: 'aegis256', hexkey: k, format: 'pageseal' }, to: pass('aegis256', PASS) });
    const text = JSON.stringify(r) + inspect(r, { depth: 5 });
    expect(text).not.toContain(k);
    expect(text).not.toContain(PASS);
  });
});

describe('db.rekey and PRAGMA rehexkey across formats', () => {
  it('a passphrase connection rekeys to a new passphrase and goes on working (WAL)', () => {
    const path = join(dir, 'x.db');
    create(path, pass('aegis256', PASS), true, 100);
    const db = new Database(path, { encryption: openOpts(pass('aegis256', PASS))! });
    const ins = db.prepare("INSERT INTO t(v) VALUES ('after')");
    const id = dbIdOf(path);
    const r = db.rekey(pass('aes128gcm', PASS2, 11));
    expect(r).toMatchObject({ fromFormat: 'pageseal', toFormat: 'pageseal', toPassphrase: true, from: 'aegis256', to: 'aes128gcm' });
    ins.run();
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(101);
    db.close();
    expect(dbIdOf(path)).not.toBe(id);
    expect(info(path).kdf).toMatchObject({ log2N: 11 });
    expect(rows(path, pass('aes128gcm', PASS2))).toEqual({ n: 101, check: 'ok', mode: 'wal' });
    expect(() => rows(path, pass('aes128gcm', PASS))).toThrow(AuthenticationError);
  });

  it('turso -> pageseal passphrase -> turso -> plain on one connection', () => {
    const path = join(dir, 'x.db');
    const k1 = hex256();
    create(path, { cipher: 'aegis256', hexkey: k1 }, false, 30);
    const db = new Database(path, { encryption: { cipher: 'aegis256', hexkey: k1 } });
    db.rekey(pass('aegis256', PASS));
    expect(info(path).format).toBe('pageseal');
    db.prepare("INSERT INTO t(v) VALUES ('a')").run();
    const k2 = hex128();
    db.rekey({ cipher: 'aes128gcm', hexkey: k2 });
    expect(info(path).format).toBe('turso');
    db.prepare("INSERT INTO t(v) VALUES ('b')").run();
    db.rekey(null);
    expect(info(path).format).toBe('sqlite');
    db.prepare("INSERT INTO t(v) VALUES ('c')").run();
    db.close();
    const stock = new BetterSqlite3(path, { readonly: true });
    expect(stock.prepare('SELECT count(*) FROM t').pluck().get()).toBe(33);
    stock.close();
  });

  it('db.rekey into a pageseal raw key: the connection follows (the copy and the connection share one database id)', () => {
    // Before: the copy's open drew one database id and the registration after the rename another,
    // so the connection failed with "re-keyed, but this connection could not follow it".
    const path = join(dir, 'x.db');
    const k = hex256();
    create(path, { cipher: 'aegis256', hexkey: k }, true, 10);
    const db = new Database(path, { encryption: { cipher: 'aegis256', hexkey: k } });
    const k2 = hex256();
    db.rekey({ cipher: 'aegis256', hexkey: k2, format: 'pageseal' });
    db.prepare("INSERT INTO t(v) VALUES ('a')").run();
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(11);
    db.close();
    expect(rows(path, { cipher: 'aegis256', hexkey: k2, format: 'pageseal' })).toEqual({ n: 11, check: 'ok', mode: 'wal' });
  });

  it('a plain connection encrypts its database to a pageseal passphrase and goes on', () => {
    const path = join(dir, 'x.db');
    create(path, null, true, 30);
    const db = new Database(path);
    db.rekey(pass('aegis128l', PASS));
    db.prepare("INSERT INTO t(v) VALUES ('a')").run();
    db.close();
    expect(rows(path, pass('aegis128l', PASS))).toEqual({ n: 31, check: 'ok', mode: 'wal' });
  });

  it('a connection keyed by PRAGMA cipher + PRAGMA passphrase rekeys to a new passphrase, then PRAGMA rehexkey', () => {
    const path = join(dir, 'x.db');
    create(path, pass('aegis256', PASS), true, 25);
    const db = new Database(path);
    db.pragma("cipher = 'aegis256'");
    db.pragma(`passphrase = '${PASS}'`);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(25);
    db.rekey(pass('aegis256', PASS2));
    db.prepare("INSERT INTO t(v) VALUES ('a')").run();
    const k = hex256();
    db.pragma(`rehexkey = '${k}'`);
    db.prepare("INSERT INTO t(v) VALUES ('b')").run();
    db.close();
    expect(info(path)).toMatchObject({ format: 'pageseal', kdf: null });
    expect(rows(path, { cipher: 'aegis256', hexkey: k, format: 'pageseal' })).toEqual({ n: 27, check: 'ok', mode: 'wal' });
  });

  it('PRAGMA rehexkey keeps the pageseal format (a passphrase database gets a raw key, new id)', () => {
    const path = join(dir, 'x.db');
    create(path, pass('aegis256', PASS), false, 10);
    const id = dbIdOf(path);
    const db = new Database(path, { encryption: openOpts(pass('aegis256', PASS))! });
    const k = hex256();
    db.pragma(`rehexkey = '${k}'`);
    db.prepare("INSERT INTO t(v) VALUES ('a')").run();
    db.close();
    const i = info(path);
    expect(i.format).toBe('pageseal');
    expect(i.kdf).toBeNull();
    expect(i.databaseId).not.toBe(id);
    expect(rows(path, { cipher: 'aegis256', hexkey: k, format: 'pageseal' }).n).toBe(11);
  });

  it('PRAGMA rehexkey on a Turso-format database keeps Turso\'s format', () => {
    const path = join(dir, 'x.db');
    const k = hex256();
    create(path, { cipher: 'aegis256', hexkey: k }, true, 10);
    const db = new Database(path, { encryption: { cipher: 'aegis256', hexkey: k } });
    const k2 = hex256();
    db.exec(`PRAGMA rehexkey = '${k2}'`);
    db.close();
    expect(info(path).format).toBe('turso');
    expect(rows(path, { cipher: 'aegis256', hexkey: k2 }).n).toBe(10);
  });
});

// ---- the command line ----

function cli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const clean = { PAGESEAL_HEXKEY: '', PAGESEAL_NEW_HEXKEY: '', PAGESEAL_PASSPHRASE: '', PAGESEAL_NEW_PASSPHRASE: '' };
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...clean, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pageseal rekey across formats', () => {
  beforeAll(ensureBuiltCli);

  it('turso key -> pageseal passphrase -> new passphrase -> plain, keys from the environment', () => {
    const path = join(dir, 'x.db');
    const k = hex256();
    create(path, { cipher: 'aegis256', hexkey: k }, true, 40);
    let r = cli(['rekey', path, '--cipher', 'aegis256', '--new-format', 'pageseal', '--json'], { PAGESEAL_HEXKEY: k, PAGESEAL_NEW_PASSPHRASE: PASS });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ from: 'aegis256', to: 'aegis256', fromFormat: 'turso', toFormat: 'pageseal', toPassphrase: true });
    expect(r.stdout).not.toContain(PASS);
    expect(r.stdout).not.toContain(k);
    expect(info(path).kdf).toMatchObject({ log2N: 17 });
    r = cli(['rekey', path, '--cipher', 'aegis256', '--new-cipher', 'aes128gcm', '--format', 'pageseal'], { PAGESEAL_PASSPHRASE: PASS, PAGESEAL_NEW_PASSPHRASE: PASS2 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/aegis256 \(pageseal\) -> aes128gcm \(pageseal, passphrase\)/);
    expect(rows(path, { cipher: 'aes128gcm', passphrase: PASS2, format: 'pageseal' }).n).toBe(40);
    r = cli(['rekey', path, '--cipher', 'aes128gcm', '--format', 'pageseal', '--new-cipher', 'none'], { PAGESEAL_PASSPHRASE: PASS2 });
    expect(r.status).toBe(0);
    expect(info(path).format).toBe('sqlite');
  });

  it('pageseal key -> turso key with --format / --new-format', () => {
    const path = join(dir, 'x.db');
    const k = hex256();
    const k2 = hex128();
    create(path, { cipher: 'aegis256', hexkey: k, format: 'pageseal' }, false, 10);
    const r = cli(['rekey', path, '--cipher', 'aegis256', '--format', 'pageseal', '--new-cipher', 'aegis128l', '--new-format', 'turso'], { PAGESEAL_HEXKEY: k, PAGESEAL_NEW_HEXKEY: k2 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/aegis256 \(pageseal\) -> aegis128l \(turso\)/);
    expect(rows(path, { cipher: 'aegis128l', hexkey: k2 }).n).toBe(10);
  });

  it('--passphrase / --new-passphrase flags work; the help warns about them', () => {
    const path = join(dir, 'x.db');
    create(path, null, false, 10);
    const r = cli(['rekey', path, '--cipher', 'none', '--new-cipher', 'aegis256', '--new-format', 'pageseal', '--new-passphrase', PASS]);
    expect(r.status).toBe(0);
    expect(rows(path, { cipher: 'aegis256', passphrase: PASS, format: 'pageseal' }).n).toBe(10);
    const h = cli(['--help']).stdout;
    expect(h).toMatch(/--new-passphrase P[\s\S]*visible to\s+other users in 'ps'/);
    expect(h).toMatch(/PAGESEAL_NEW_PASSPHRASE/);
  });

  it('--new-kdf-log2n sets the new passphrase\'s scrypt cost (how parameters rise); bad values are usage errors', () => {
    const path = join(dir, 'x.db');
    create(path, pass('aegis256', PASS), false, 10);
    expect(info(path).kdf).toMatchObject({ log2N: FAST.log2N });
    const env = { PAGESEAL_PASSPHRASE: PASS, PAGESEAL_NEW_PASSPHRASE: PASS };
    let r = cli(['rekey', path, '--cipher', 'aegis256', '--format', 'pageseal', '--new-kdf-log2n', '12'], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(info(path).kdf).toEqual({ name: 'scrypt', log2N: 12, r: 8, p: 1 });
    const before = sha256File(path);
    for (const bad of ['x', '40', '9']) {
      r = cli(['rekey', path, '--cipher', 'aegis256', '--format', 'pageseal', '--new-kdf-log2n', bad], env);
      expect(r.status).toBe(2);
      expect(r.stderr).not.toContain(PASS);
    }
    r = cli(['rekey', path, '--cipher', 'aegis256', '--format', 'pageseal', '--new-format', 'turso', '--new-kdf-log2n', '12'], { PAGESEAL_PASSPHRASE: PASS, PAGESEAL_NEW_HEXKEY: hex256() });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/goes with a new passphrase/);
    expect(sha256File(path)).toBe(before);
    expect(rows(path, pass('aegis256', PASS)).n).toBe(10);
  });

  it('a wrong passphrase: exit 1, file unchanged, no passphrase in the output', () => {
    const path = join(dir, 'x.db');
    create(path, pass('aegis256', PASS), false, 10);
    const before = sha256File(path);
    const r = cli(['rekey', path, '--cipher', 'aegis256', '--format', 'pageseal', '--new-cipher', 'none'], { PAGESEAL_PASSPHRASE: 'wrong wrong wrong' });
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).not.toContain('wrong wrong wrong');
    expect(sha256File(path)).toBe(before);
    expect(readdirSync(dir)).toEqual(['x.db']);
  });

  it('usage errors: a passphrase without the pageseal format, a bad --new-format, both key kinds', () => {
    const path = join(dir, 'x.db');
    create(path, null, false, 5);
    const before = sha256File(path);
    let r = cli(['rekey', path, '--cipher', 'none', '--new-cipher', 'aegis256', '--new-passphrase', PASS]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs --new-format pageseal/);
    expect(r.stderr).not.toContain(PASS);
    r = cli(['rekey', path, '--cipher', 'none', '--new-cipher', 'aegis256', '--new-format', 'sqlcipher'], { PAGESEAL_NEW_HEXKEY: hex256() });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--new-format is turso or pageseal/);
    r = cli(['rekey', path, '--cipher', 'none', '--new-cipher', 'aegis256', '--new-format', 'pageseal', '--new-hexkey', hex256(), '--new-passphrase', PASS]);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toContain(PASS);
    r = cli(['rekey', path, '--cipher', 'none', '--new-cipher', 'aegis256', '--new-format', 'pageseal']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/PAGESEAL_NEW_PASSPHRASE/);
    expect(sha256File(path)).toBe(before);
  });
});
