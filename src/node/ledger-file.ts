/**
 * @file The coordinator's ledger on disk: an append-only file of signed, hash-chained round
 * records (format in src/protocol/ledger.ts and docs/protocol.md). Opening it verifies the
 * whole chain; a torn final frame (the process died mid-append) is cut off, because the
 * record it was writing was never announced; any other damage stops the coordinator with
 * a named error rather than letting it continue from a history it cannot prove.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { frameRecord, parseLedger, type Hash, type PeerKey, type SignedRecord } from '../protocol/index.ts';

export class LedgerFile {
  readonly path: string;
  #records: SignedRecord[];

  private constructor(path: string, records: SignedRecord[]) {
    this.path = path;
    this.#records = records;
  }

  /**
   * Open (or create, empty) the ledger at `path` for `run`, signed by `signer`.
   * @example const ledger = LedgerFile.open('run/ledger.bin', runId, coordinatorKey);
   */
  static open(path: string, run: Hash, signer: PeerKey): LedgerFile {
    if (!existsSync(path)) {
      closeSync(openSync(path, 'a'));
      return new LedgerFile(path, []);
    }
    const bytes = readFileSync(path);
    const parsed = parseLedger(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), { run, signer });
    if (parsed.torn) truncateSync(path, parsed.validBytes);
    return new LedgerFile(path, parsed.records);
  }

  get records(): readonly SignedRecord[] {
    return this.#records;
  }

  get last(): SignedRecord | undefined {
    return this.#records[this.#records.length - 1];
  }

  /** Append one record and fsync before returning: once announced, a round is never lost. */
  append(record: SignedRecord): void {
    const frame = frameRecord(record);
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, frame);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.#records.push(record);
  }
}
