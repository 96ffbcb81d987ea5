/** The object-size bound every reader checks before its first read. */
import { MindletError } from '../../errors.js';
import type { BatchLimits, ByteSource } from '../types.js';

export function checkObjectSize(source: ByteSource, limits: BatchLimits): void {
  if (source.size > limits.maxObjectBytes)
    throw new MindletError(
      'LIMIT_EXCEEDED',
      `object of ${source.size} bytes is larger than the limit of ${limits.maxObjectBytes} (maxObjectBytes)`,
      { file: source.uri },
    );
}
