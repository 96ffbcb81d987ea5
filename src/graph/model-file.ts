/**
 * Reading a model file from disk, bounded, for every format's loader: one-line errors for a missing file, a folder,
 * a file over the caller's limit or over 2 GiB. Node only (the Workers path decodes bytes it already holds).
 */
import { readFile, stat } from 'node:fs/promises';
import { isMindletError, MindletError } from '../errors.js';

export async function readModelFile(file: string, maxBytes?: number): Promise<Buffer> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new MindletError('INVALID_ARGUMENT', 'is a directory, not a model file', { file });
    if (maxBytes !== undefined && info.size > maxBytes) {
      throw new MindletError('LIMIT_EXCEEDED', `file is ${info.size} bytes, over the limit of ${maxBytes}`, { file });
    }
    return await readFile(file);
  } catch (error) {
    throw fileError(error, file);
  }
}

/** A file-system error as a one-line MindletError naming the file. */
export function fileError(error: unknown, file: string): MindletError {
  if (isMindletError(error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new MindletError('NOT_FOUND', 'no such file', { file });
  if (code === 'ERR_FS_FILE_TOO_LARGE' || error instanceof RangeError) {
    return new MindletError('LIMIT_EXCEEDED', 'file is over 2 GiB; export large models with external weight files', {
      file,
    });
  }
  return new MindletError('INVALID_ARGUMENT', `cannot read: ${(error as Error).message}`, { file, cause: error });
}
