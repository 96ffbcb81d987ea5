/**
 * Whether python3 with numpy is on this machine, for the interoperability tests that let numpy check our files. Those
 * tests are the only ones allowed to skip, and only for this reason, which is printed (once per test file).
 */
import { execFileSync } from 'node:child_process';

export const hasNumpy = (() => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'pipe' });
    return true;
  } catch (error) {
    const why = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').at(-1) ?? String(error);
    console.warn(
      `numpy read-back tests skipped: python3 -c 'import numpy' failed (${why}); install numpy (Debian: python3-numpy) to run them`,
    );
    return false;
  }
})();
