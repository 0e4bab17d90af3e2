/**
 * @file safetensors read/write (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, and an
 * optional "__metadata__": {string: string}}, then the raw little-endian tensor bytes.
 *
 * Reading is strict, because files come from peers: every offset, size and dtype is
 * checked, and any problem is a SafetensorsError naming the tensor and the values.
 */
import { numel } from '../tensor/index.ts';

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

export type SafetensorsDType = 'F32' | 'I32' | 'F64';

export interface RawTensor {
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Float64Array;
}

export interface SafetensorsFile {
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: ReadonlyMap<string, RawTensor>;
}

const BYTES: Record<SafetensorsDType, number> = { F32: 4, I32: 4, F64: 8 };
/** Headers larger than this are refused before parsing (the format's own limit is 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

function isDType(x: unknown): x is SafetensorsDType {
  return x === 'F32' || x === 'I32' || x === 'F64';
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function decodeData(dtype: SafetensorsDType, bytes: Uint8Array): RawTensor['data'] {
  const copy = new Uint8Array(bytes); // an owned copy (Buffer.slice would share memory)
  const dv = new DataView(copy.buffer);
  const n = copy.length / BYTES[dtype];
  switch (dtype) {
    case 'F32':
      return Float32Array.from({ length: n }, (_, i) => dv.getFloat32(4 * i, true));
    case 'I32':
      return Int32Array.from({ length: n }, (_, i) => dv.getInt32(4 * i, true));
    case 'F64':
      return Float64Array.from({ length: n }, (_, i) => dv.getFloat64(8 * i, true));
    default:
      return dtype satisfies never;
  }
}

/**
 * Parses a safetensors file.
 * @example const { tensors, metadata } = readSafetensors(readFileSync('model.safetensors'));
 */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw new SafetensorsError(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.length) {
    throw new SafetensorsError(`header length ${headerLen} exceeds the file (${bytes.length} bytes) or the ${MAX_HEADER_BYTES}-byte limit`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON: ${(err as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError('header is not a JSON object');
  const data = bytes.subarray(8 + headerLen);
  const metadata: Record<string, string> = {};
  const spans: Array<[number, number, string]> = [];
  const tensors = new Map<string, RawTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null) throw new SafetensorsError('__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw new SafetensorsError(`__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as Record<string, unknown>;
    if (!isDType(dtype)) throw new SafetensorsError(`tensor '${name}': unsupported dtype ${JSON.stringify(dtype)} (F32, I32, F64)`);
    if (!Array.isArray(shape) || !shape.every(isCount)) throw new SafetensorsError(`tensor '${name}': bad shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      throw new SafetensorsError(`tensor '${name}': bad data_offsets ${JSON.stringify(offsets)}`);
    }
    const [start, end] = offsets as [number, number];
    const expected = numel(shape) * BYTES[dtype];
    if (end < start || end > data.length || end - start !== expected) {
      throw new SafetensorsError(`tensor '${name}': data_offsets [${start},${end}] do not hold ${dtype}[${shape.join(',')}] (${expected} bytes) within ${data.length} data bytes`);
    }
    spans.push([start, end, name]);
    tensors.set(name, { dtype, shape, data: decodeData(dtype, data.subarray(start, end)) });
  }
  // The format requires the tensors to tile the data section: no gaps, no overlaps.
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cursor = 0;
  for (const [start, end, name] of spans) {
    if (start !== cursor) throw new SafetensorsError(`tensor '${name}' starts at ${start}, expected ${cursor} (gap or overlap)`);
    cursor = end;
  }
  if (cursor !== data.length) throw new SafetensorsError(`data section has ${data.length - cursor} trailing bytes`);
  return { metadata, tensors };
}

/**
 * Serialises tensors (in the given order) and string metadata to safetensors bytes.
 * @example writeFileSync('out.safetensors', writeSafetensors([['w', { dtype: 'F32', shape: [2], data }]]));
 */
export function writeSafetensors(entries: Iterable<readonly [string, RawTensor]>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__' || Object.hasOwn(header, name)) throw new SafetensorsError(`duplicate or reserved tensor name '${name}'`);
    if (t.data.length !== numel(t.shape)) throw new SafetensorsError(`tensor '${name}': ${t.data.length} values for shape [${t.shape.join(',')}]`);
    const blob = new Uint8Array(t.data.length * BYTES[t.dtype]);
    const dv = new DataView(blob.buffer);
    t.data.forEach((v, i) => (t.dtype === 'F32' ? dv.setFloat32(4 * i, v, true) : t.dtype === 'I32' ? dv.setInt32(4 * i, v, true) : dv.setFloat64(8 * i, v, true)));
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + blob.length] };
    blobs.push(blob);
    offset += blob.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // 8-byte aligned data section
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const blob of blobs) {
    out.set(blob, at);
    at += blob.length;
  }
  return out;
}
