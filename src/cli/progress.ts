/**
 * Progress on stderr for long commands (publish, batch run): on a terminal one line redrawn in place, at most ten
 * times a second; elsewhere (logs, CI) a line at 0, 25, 50, 75 and 100%, so logs stay short.
 */
const BAR_WIDTH = 30;
const REDRAW_MS = 100;

export interface ProgressLine {
  /** `fraction` of the work done (0..1) and the text after the bar. */
  update(fraction: number, text: string): void;
  /** Ends the redrawn line. */
  end(): void;
}

export function progressLine(err: (line: string) => void, tty = process.stderr.isTTY === true): ProgressLine {
  let nextQuarter = 0;
  let drawn = false;
  let lastDraw = 0;
  /** The latest line not printed yet (non-terminal), printed by `end` so the log shows where the work ended. */
  let unprinted: string | undefined;
  const describe = (fraction: number, text: string) => {
    const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    const filled = Math.round(clamped * BAR_WIDTH);
    const percent = Math.floor(clamped * 100)
      .toString()
      .padStart(3);
    return { clamped, line: `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent}% ${text}` };
  };
  return {
    update(fraction, text) {
      const { clamped, line } = describe(fraction, text);
      if (tty) {
        const now = Date.now();
        if (clamped < 1 && now - lastDraw < REDRAW_MS) return;
        lastDraw = now;
        process.stderr.write(`\r${line}\u001b[K`);
        drawn = true;
        return;
      }
      const quarter = Math.floor(clamped * 4) * 25;
      if (quarter < nextQuarter) {
        unprinted = line;
        return;
      }
      err(line);
      unprinted = undefined;
      nextQuarter = quarter + 25;
    },
    end() {
      if (tty && drawn) process.stderr.write('\n');
      if (!tty && unprinted !== undefined) err(unprinted);
      unprinted = undefined;
    },
  };
}
