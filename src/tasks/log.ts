/**
 * Structured logs for the container worker: one JSON object per line on stderr, shaped like the batch function's
 * Powertools logs (`level`, `message`, `service`, `timestamp`, then fields), so the same CloudWatch Logs Insights
 * queries read both.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type WorkerLog = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export function jsonLineLog(write: (line: string) => void, service = 'mindlet-worker'): WorkerLog {
  return (level, message, fields = {}) => {
    const entry: Record<string, unknown> = { level, message, service, timestamp: new Date().toISOString() };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) entry[key] = loggable(value);
    write(JSON.stringify(entry));
  };
}

/** A log that drops everything (library use without logging). */
export const silentLog: WorkerLog = () => undefined;

/** Errors as name and message (JSON.stringify would print `{}`); a stack only when MINDLET_DEBUG is set. */
function loggable(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return {
    name: value.name,
    message: value.message,
    ...(process.env.MINDLET_DEBUG && value.stack ? { stack: value.stack } : {}),
  };
}
