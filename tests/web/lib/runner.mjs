// The journey runner (tests/web/run.sh starts it with the server running):
// imports each journeys/*.spec.mjs in name order (or the files given as
// arguments; EM_WEB_JOURNEYS=smoke,quiz picks by name) and awaits its default
// export with ctx = {baseUrl, outDir, admin, browser}. Stops at the first
// thrown error, printing it, with exit status 1. A journey also fails when a
// page it left open recorded a problem no checkPage reported. One headless
// chromium serves every journey and is closed before the runner exits, also
// on failure.
import { readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { admin, baseUrl, closePages, leftoverProblems, outDir, startBrowser } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const journeyDir = join(here, '..', 'journeys');
const timeoutS = Number(process.env.EM_WEB_JOURNEY_TIMEOUT_S || 300);

function journeyFiles() {
  const args = process.argv.slice(2);
  if (args.length > 0) return args.map((a) => resolve(a));
  let files = readdirSync(journeyDir).filter((f) => f.endsWith('.spec.mjs')).sort();
  const pick = (process.env.EM_WEB_JOURNEYS || '').split(',').map((s) => s.trim()).filter(Boolean);
  if (pick.length > 0) files = files.filter((f) => pick.includes(f.replace(/\.spec\.mjs$/, '')));
  return files.map((f) => join(journeyDir, f));
}

function withTimeout(promise, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no end after ${timeoutS} s`)), timeoutS * 1000);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

let openBrowser = null;

// Stopped from outside (run.sh's trap, ^C): close chromium, then leave.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`runner: ${sig}: closing the browser`);
    const done = () => process.exit(sig === 'SIGINT' ? 130 : 143);
    (openBrowser ? openBrowser.close() : Promise.resolve()).then(done, done);
    setTimeout(done, 5000).unref();
  });
}

async function main() {
  const files = journeyFiles();
  if (files.length === 0) {
    console.error('runner: no journeys to run');
    return 1;
  }
  const browser = await startBrowser();
  openBrowser = browser;
  let status = 0;
  try {
    for (const file of files) {
      const name = basename(file);
      const started = Date.now();
      try {
        const mod = await import(pathToFileURL(file).href);
        if (typeof mod.default !== 'function') throw new Error('exports no default function');
        await withTimeout(mod.default({ baseUrl, outDir, admin, browser }), name);
        const left = leftoverProblems();
        if (left.length > 0) throw new Error(`problems no checkPage reported:\n${left.join('\n')}`);
      } catch (e) {
        console.error(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
        status = 1;
        break;
      } finally {
        await closePages();
      }
      console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    openBrowser = null;
    await browser.close();
  }
  return status;
}

main().then(
  (status) => process.exit(status),
  (e) => {
    console.error(`runner: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
