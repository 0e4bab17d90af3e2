/**
 * @file A one-line progress display: rewritten in place on a terminal, printed every
 * `everySteps` otherwise (logs, CI).
 */
export interface ProgressLine {
  step: number;
  total: number;
  loss: number;
  tokensPerSecond: number;
  etaSeconds: number;
}

function fmtTime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export function createProgress(stream: NodeJS.WriteStream, everySteps = 50): { update(p: ProgressLine): void; done(): void } {
  const tty = stream.isTTY === true;
  return {
    update(p) {
      const width = 24;
      const filled = Math.round((width * p.step) / p.total);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] step ${p.step}/${p.total}  loss ${p.loss.toFixed(4)}  ${Math.round(p.tokensPerSecond)} tok/s  ETA ${fmtTime(p.etaSeconds)}`;
      if (tty) stream.write(`\r${line}\x1b[K`);
      else if (p.step % everySteps === 0 || p.step === p.total) stream.write(`${line}\n`);
    },
    done() {
      if (tty) stream.write('\n');
    },
  };
}
