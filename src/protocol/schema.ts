/**
 * @file Small validating schemas for decoded CBOR (and for values about to be encoded).
 *
 * A schema takes an unknown value and returns a fresh, fully checked value of its type, or
 * throws ProtocolError('malformed') naming the path of the first bad field. It never returns a
 * partly valid object: output objects are built field by field from checked values.
 *
 * `exact` is true when decoding (a map must hold exactly the schema's keys) and false when
 * encoding a TypeScript value (extra properties, which structural typing lets through, are
 * dropped, so the wire only ever carries the schema's fields).
 */
import { isHex64 } from './hash.ts';
import { ProtocolError } from './errors.ts';

/**
 * Checks `value` (found at `path`) and returns a fresh checked copy.
 * @example const round: Schema<number> = uint(); round(raw, 'Commitment.round', true);
 */
export type Schema<T> = (value: unknown, path: string, exact: boolean) => T;

/**
 * One schema per field of T, no field left out (so a type change that misses a schema fails to compile).
 * @example const fields: Fields<BlobRequest> = { type: oneOf(['blob']), hash: hex64 };
 */
export type Fields<T> = { readonly [K in keyof T]-?: Schema<T[K]> };

/**
 * Throws ProtocolError('malformed') for the field at `path`.
 * @example if (x < 0) fail('Commitment.round', 'must be non-negative');
 */
export function fail(path: string, what: string): never {
  throw new ProtocolError('malformed', `${path}: ${what}`);
}

/**
 * A plain object (what cborg decodes a CBOR map to), not an array, byte string or class instance.
 * @example isPlainObject({ a: 1 }) // true
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A `Hash` or `PeerKey`: exactly 64 lowercase hex characters.
 * @example hex64('ab'.repeat(32), 'x', true)
 */
export const hex64: Schema<string> = (v, path) => (isHex64(v) ? v : fail(path, 'expected 64 lowercase hex characters'));

/**
 * A `Hash`, or '' where the type allows "none" (a genesis record's `prev`, a heartbeat's model).
 * @example hashOrEmpty('', 'RoundRecord.prev', true) // ''
 */
export const hashOrEmpty: Schema<string> = (v, path) => (v === '' || isHex64(v) ? v : fail(path, "expected a hash or ''"));

/**
 * An integer in [min, max] (max defaults to 2^53 - 1): counts, rounds, indexes, times.
 * @example uint()(3, 'x', true) // 3
 */
export function uint(min = 0, max = Number.MAX_SAFE_INTEGER): Schema<number> {
  return (v, path) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max
    ? v : fail(path, `expected an integer in [${min}, ${max}]`));
}

/**
 * A finite number (CBOR float or int) satisfying `check` (described by `what`).
 * @example finite((x) => x > 0, 'positive')(0.5, 'lr', true)
 */
export function finite(check: (x: number) => boolean = () => true, what = 'finite'): Schema<number> {
  return (v, path) => (typeof v === 'number' && Number.isFinite(v) && check(v) ? v : fail(path, `expected a ${what} number`));
}

/**
 * A boolean.
 * @example bool(true, 'nesterov', true)
 */
export const bool: Schema<boolean> = (v, path) => (typeof v === 'boolean' ? v : fail(path, 'expected a boolean'));

/**
 * A string of at most `max` UTF-16 code units (and at least `min`).
 * @example text(256)('/ip4/127.0.0.1/tcp/1', 'addr', true)
 */
export function text(max: number, min = 0): Schema<string> {
  return (v, path) => (typeof v === 'string' && v.length <= max && v.length >= min
    ? v : fail(path, `expected a string of ${min} to ${max} characters`));
}

/**
 * One of a fixed set of values (a string enum or a literal).
 * @example oneOf(['waiting', 'train'] as const)('train', 'phase', true)
 */
export function oneOf<const T extends string | number>(values: readonly T[]): Schema<T> {
  return (v, path) => ((values as readonly unknown[]).includes(v) ? v as T : fail(path, `expected one of ${values.join(', ')}`));
}

/**
 * A byte string of exactly `length` bytes, copied (so the result owns its memory).
 * @example bytes(64)(signature, 'signature', true)
 */
export function bytes(length: number): Schema<Uint8Array> {
  return (v, path) => (v instanceof Uint8Array && v.length === length ? new Uint8Array(v) : fail(path, `expected ${length} bytes`));
}

/**
 * An array of at most `max` items, each checked by `item`.
 * @example list(text(256), 16)(addrs, 'addrs', true)
 */
export function list<T>(item: Schema<T>, max: number): Schema<T[]> {
  return (v, path, exact) => {
    if (!Array.isArray(v)) return fail(path, 'expected an array');
    if (v.length > max) return fail(path, `expected at most ${max} items, got ${v.length}`);
    return v.map((x, i) => item(x, `${path}[${i}]`, exact));
  };
}

/**
 * `list` whose items are in strictly increasing order of `key` (sorted, no duplicates): sets
 * of peers are sent in canonical order so equal sets have equal bytes.
 * @example sortedList(hex64, 1024, (k) => k)(members, 'members', true)
 */
export function sortedList<T>(item: Schema<T>, max: number, key: (x: T) => string): Schema<T[]> {
  const inner = list(item, max);
  return (v, path, exact) => {
    const out = inner(v, path, exact);
    for (let i = 1; i < out.length; i++) {
      if (!(key(out[i - 1]!) < key(out[i]!))) fail(`${path}[${i}]`, 'not in strictly increasing canonical order');
    }
    return out;
  };
}

/**
 * A map with exactly (when `exact`) the given fields; the result holds only those fields.
 * @example struct<{ a: number }>({ a: uint() })({ a: 1 }, 'x', true)
 */
export function struct<T>(fields: Fields<T>): Schema<T> {
  const keys = Object.keys(fields) as Array<keyof T & string>;
  return (v, path, exact) => {
    if (!isPlainObject(v)) return fail(path, 'expected a map');
    if (exact) {
      for (const k of Object.keys(v)) if (!Object.hasOwn(fields, k)) fail(`${path}.${k}`, 'unexpected field');
    }
    const out: Partial<Record<keyof T, unknown>> = {};
    for (const k of keys) {
      if (!Object.hasOwn(v, k)) fail(`${path}.${k}`, 'missing field');
      out[k] = fields[k](v[k], `${path}.${k}`, exact);
    }
    return out as T;
  };
}

/**
 * A union discriminated by its `type` field; each variant's schema checks `type` itself too.
 * @example tagged<Msg>({ ping: struct(...), pong: struct(...) })
 */
export function tagged<T extends { readonly type: string }>(variants: { readonly [K in T['type']]: Schema<Extract<T, { readonly type: K }>> }): Schema<T> {
  return (v, path, exact) => {
    if (!isPlainObject(v)) return fail(path, 'expected a map');
    if (!Object.hasOwn(v, 'type')) return fail(`${path}.type`, 'missing field');
    const type = v['type'];
    if (typeof type !== 'string' || !Object.hasOwn(variants, type)) return fail(`${path}.type`, `expected one of ${Object.keys(variants).join(', ')}`);
    return (variants as Record<string, Schema<T>>)[type]!(v, `${path}<${type}>`, exact);
  };
}

/**
 * Adds a whole-value check to a schema (cross-field rules such as "prev is '' iff index is 0").
 * @example refine(struct(...), (r) => (r.index === 0) === (r.prev === ''), "prev is '' exactly for index 0")
 */
export function refine<T>(schema: Schema<T>, check: (x: T) => boolean, what: string): Schema<T> {
  return (v, path, exact) => {
    const out = schema(v, path, exact);
    return check(out) ? out : fail(path, what);
  };
}
