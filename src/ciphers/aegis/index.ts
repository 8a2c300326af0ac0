/**
 * The pure-TypeScript AEGIS family (draft-irtf-cfrg-aegis-aead, published as RFC 10032): each
 * export implements the registry's Aead with a detached 16-byte tag by default (32 supported).
 */
import type { Aead } from '../types.js';
import { aegisAead } from './aead.js';
import { Aegis128Core } from './aegis128x.js';
import { Aegis256Core } from './aegis256x.js';

export { aesRound } from './aes-round.js';

export const aegis128l: Aead = aegisAead(new Aegis128Core(1));
export const aegis128x2: Aead = aegisAead(new Aegis128Core(2));
export const aegis128x4: Aead = aegisAead(new Aegis128Core(4));
export const aegis256: Aead = aegisAead(new Aegis256Core(1));
export const aegis256x2: Aead = aegisAead(new Aegis256Core(2));
export const aegis256x4: Aead = aegisAead(new Aegis256Core(4));
