/** Whether python3 with numpy is on this machine, for the interoperability tests that let numpy check our files. */
import { execFileSync } from 'node:child_process';

export const hasNumpy = (() => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
