"""Minimal safetensors writer/reader (the format: u64 LE header length, JSON header, raw
little-endian data). Written out here because Debian's python3-torch has no safetensors
package; the format is small and fully specified by huggingface/safetensors."""
import json
import struct

import numpy as np

_DTYPES = {np.dtype('float32'): 'F32', np.dtype('int32'): 'I32', np.dtype('float64'): 'F64'}
_NP = {v: k for k, v in _DTYPES.items()}


def write(path, tensors, metadata=None):
    """tensors: dict name -> numpy array (float32, int32 or float64), written in dict order."""
    header = {}
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    blobs, offset = [], 0
    for name, arr in tensors.items():
        arr = np.array(arr, order="C")  # (ascontiguousarray would turn 0-d into 1-d)
        blob = arr.astype(arr.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': _DTYPES[arr.dtype], 'shape': list(arr.shape),
                        'data_offsets': [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    raw = json.dumps(header, separators=(',', ':')).encode()
    raw += b' ' * (-len(raw) % 8)  # pad so the data section starts 8-byte aligned
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def read(path):
    """Returns (dict name -> numpy array, metadata dict)."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop('__metadata__', {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        start, end = info['data_offsets']
        dt = _NP[info['dtype']].newbyteorder('<')
        out[name] = np.frombuffer(data[base + start:base + end], dtype=dt).reshape(info['shape']).copy()
    return out, metadata
