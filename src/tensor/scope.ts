/**
 * @file tidy: bounded buffer lifetimes. Backends with their own memory (wasm) cannot wait
 * for the garbage collector to return tensor buffers, so a training step runs inside
 * `tidy`, which frees every buffer allocated in it except those of the returned tensors.
 */
import type { Backend } from './backend/backend.ts';
import type { Storage } from './dtype.ts';
import { getDefaultBackend, Tensor } from './tensor.ts';

/** Buffers of the tensors found in `value` (a tensor, or arrays/objects of them). */
function buffersOf(value: unknown, out: Storage[] = []): Storage[] {
  if (value instanceof Tensor) out.push(value.data);
  else if (ArrayBuffer.isView(value)) return out; // typed arrays hold numbers, never tensors (walking them boxes every element)
  else if (Array.isArray(value)) for (const v of value) buffersOf(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) buffersOf(v, out);
  return out;
}

/**
 * Runs `fn`; afterwards every buffer allocated during it on `backend` is released, except
 * those of tensors in its return value. Tensors that escape otherwise (including `.grad`
 * of leaves created outside) must not be used after: the wasm backend refuses them with
 * a DisposedBufferError.
 * @example const loss = tidy(() => { const l = model(x); l.backward(); params.collectGrads(); return l.item(); });
 */
export function tidy<T>(fn: () => T, backend: Backend = getDefaultBackend()): T {
  backend.pushScope();
  let result: T;
  try {
    result = fn();
  } catch (err) {
    backend.popScope([]);
    throw err;
  }
  backend.popScope(buffersOf(result));
  return result;
}
