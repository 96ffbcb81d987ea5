// `node scripts/check-quick-start.mjs`: the README's run command as a newcomer meets it. Runs `npm start -- --port 0`,
// waits for the two printed requests, sends them as printed, and checks the answers name the digit 7 (KServe's top
// class "<score>:7:7", MindSpore Serving's largest logit at index 7); then stops the server with SIGTERM. Prints how
// long the server took to listen. CI runs it in a bare clone (.ci/run).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const started = performance.now();
// Its own process group: npm does not pass a SIGTERM on to the server it started, so the group is signalled, as a
// terminal's Ctrl-C would.
const child = spawn('npm', ['start', '--silent', '--', '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
const stop = () => {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
};
const fail = (message) => {
  stop();
  console.error(`check-quick-start: ${message}`);
  process.exit(1);
};
const timer = setTimeout(() => fail('npm start printed no requests within 20 s'), 20_000);

let stdout = '';
const printed = await new Promise((resolve) => {
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    const curls = [...stdout.matchAll(/curl -s -H 'content-type: application\/json' -d @(\S+) (\S+)/g)];
    if (curls.length === 2) resolve(curls.map((m) => ({ body: m[1], url: m[2] })));
  });
  child.on('exit', (code) => fail(`npm start exited (${code}) before it printed its requests:\n${stdout}`));
});
clearTimeout(timer);
const listenMs = performance.now() - started;

const post = async ({ body, url }) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: readFileSync(body),
  });
  if (response.status !== 200) fail(`${url} answered ${response.status}: ${await response.text()}`);
  return response.json();
};
const kserve = await post(printed[0]);
const label = kserve.outputs?.[0]?.data?.[0];
if (!/^-?\d+\.\d+:7:7$/.test(String(label))) fail(`KServe answered ${JSON.stringify(kserve)}, not the class 7`);
const serving = await post(printed[1]);
const logits = Object.values(serving.instances?.[0] ?? {})[0] ?? [];
if (logits.indexOf(Math.max(...logits)) !== 7) fail(`MindSpore Serving answered ${JSON.stringify(serving)}`);

child.removeAllListeners('exit');
// The server holds the stdout pipe: its end means the server, not just npm, has exited.
const closed = new Promise((resolve) => child.stdout.once('close', resolve));
stop();
await closed;
console.log(
  `check-quick-start: npm start listened in ${(listenMs / 1000).toFixed(1)} s; KServe answered ${label}, MindSpore Serving's largest logit is at index 7`,
);
