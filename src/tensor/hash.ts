/**
 * @file Canonical bytes and SHA-256 of tensors. Anything Tessera hashes (parameters,
 * gradients, contributions) goes through here, so equal values give equal hashes on
 * every machine and backend.
 *
 * Canonical encoding of one tensor:
 *   u8 dtype code (f32 = 1, i32 = 2), u8 ndim, ndim x u32 LE dims,
 *   then the elements in row-major order, each 4 bytes little-endian.
 * Of a named list: for each entry, u32 LE byte length of the UTF-8 name, the name, then the
 * tensor's canonical encoding; entries in the order given.
 */
import { createHash, type Hash } from 'node:crypto';
import { DTYPE_CODE } from './dtype.ts';
import { ShapeError } from './errors.ts';
import type { Tensor } from './tensor.ts';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The canonical bytes of a tensor (header + little-endian elements). */
export function canonicalBytes(t: Tensor): Uint8Array {
  if (t.ndim > 255) throw new ShapeError(`cannot encode a tensor with ${t.ndim} dims (max 255)`);
  const header = new DataView(new ArrayBuffer(2 + 4 * t.ndim));
  header.setUint8(0, DTYPE_CODE[t.dtype]);
  header.setUint8(1, t.ndim);
  t.shape.forEach((d, i) => header.setUint32(2 + 4 * i, d, true));
  const values = t.toArray();
  const body = new Uint8Array(values.length * 4);
  if (LITTLE_ENDIAN) body.set(new Uint8Array(values.buffer, values.byteOffset, body.length));
  else {
    const dv = new DataView(body.buffer);
    values.forEach((v, i) => (t.dtype === 'f32' ? dv.setFloat32(4 * i, v, true) : dv.setInt32(4 * i, v, true)));
  }
  const out = new Uint8Array(header.byteLength + body.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(body, header.byteLength);
  return out;
}

/**
 * SHA-256 (hex) of a tensor's canonical bytes.
 * @example hashTensor(tensor([1, 2, 3])) // '...64 hex chars'
 */
export function hashTensor(t: Tensor): string {
  return createHash('sha256').update(canonicalBytes(t)).digest('hex');
}

function updateNamed(h: Hash, name: string, t: Tensor): void {
  const nameBytes = Buffer.from(name, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(nameBytes.length);
  h.update(len).update(nameBytes).update(canonicalBytes(t));
}

/** SHA-256 (hex) of a named list of tensors, in the given order. */
export function hashTensors(entries: Iterable<readonly [string, Tensor]>): string {
  const h = createHash('sha256');
  for (const [name, t] of entries) updateNamed(h, name, t);
  return h.digest('hex');
}
