/** Type-prefixed random ids (`thr_…`, `msg_…`): 16 random bytes in base62, sortable enough not to matter. */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID_RANDOM_BYTES = 16;

export type IdPrefix = "thr" | "msg" | "ten" | "key" | "tool" | "sk" | "node";

export function randomToken(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = "";
  for (const byte of buf) out += ALPHABET[byte % 62];
  return out;
}

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(ID_RANDOM_BYTES + 6)}`;
}
