/**
 * @file Element types. Tessera computes in f32 only; i32 carries indices and targets.
 */
import { DTypeError } from './errors.ts';

/** The element types a tensor can hold. */
export type DType = 'f32' | 'i32';

/** The typed array that stores each dtype. */
export type TypedArrayOf<D extends DType> = D extends 'f32' ? Float32Array : Int32Array;
export type Storage = Float32Array | Int32Array;

/** Stable one-byte codes used in canonical encodings (hashing). Never renumber. */
export const DTYPE_CODE: Readonly<Record<DType, number>> = { f32: 1, i32: 2 };

export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = { f32: 4, i32: 4 };

export function allocStorage(dtype: DType, size: number): Storage {
  switch (dtype) {
    case 'f32':
      return new Float32Array(size);
    case 'i32':
      return new Int32Array(size);
    default:
      return dtype satisfies never;
  }
}

export function dtypeOfStorage(data: Storage): DType {
  return data instanceof Float32Array ? 'f32' : 'i32';
}

/** Throws unless `actual` is one of `allowed`; `what` names the operand for the message. */
export function expectDType(what: string, actual: DType, ...allowed: DType[]): void {
  if (!allowed.includes(actual)) {
    throw new DTypeError(`${what}: expected dtype ${allowed.join(' or ')}, got ${actual}`);
  }
}
