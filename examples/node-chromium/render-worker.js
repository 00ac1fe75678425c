'use strict';
/**
 * A Stockade Node worker that renders pages in headless Chromium through puppeteer-core.
 *
 * One browser per worker, launched on the first task and kept for the next ones (starting
 * Chromium costs far more than a page). Each task's payload is a URL; the answer is JSON:
 *
 *   {"title": "...", "textLength": 123, "chromePid": 4567}
 *
 * chromePid is the browser's process id, so a caller can tell which browser served a task.
 *
 * puppeteer-core starts Chromium in a session of its own and talks to it over a WebSocket.
 * When node exits normally (after the pool's SHUTDOWN, for instance) puppeteer's exit hook kills
 * the browser's process group; when node is killed, nothing runs and the browser lives on by
 * itself, and either way the profile directory stays behind. The WorkerPool contains both:
 * every process of the worker's tree, Chromium's included, ends with the worker, and the tree's
 * TMPDIR (where puppeteer puts the profile: os.tmpdir()) is removed with it.
 *
 * A pool runs it with .nodeWorker(Path.of("examples/node-chromium/render-worker.js")), after
 * `npm ci` in this directory (ChromiumRenderPool.java shows the Java side). CHROMIUM_PATH
 * overrides /usr/bin/chromium.
 */

// First: under a pool, requiring the runtime moves the protocol's stdin and stdout aside, so
// nothing the modules below print can reach the protocol pipe.
const stockade = require('stockade-worker');
const puppeteer = require('puppeteer-core');

const EXECUTABLE = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// headless: true makes puppeteer add --headless=new (Chromium's only headless mode now) to its
// own defaults; these come after them. Chromium refuses to start as root without --no-sandbox.
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const NAVIGATION_TIMEOUT_MS = 30_000;

/** The browser of this worker, or a launch under way; null until the first task. */
let browserPromise = null;

function browser() {
  if (!browserPromise) {
    const launching = puppeteer.launch({
      executablePath: EXECUTABLE,
      headless: true,
      args: FLAGS,
    }).then((launched) => {
      // A browser that crashed or was closed is launched again by the next task.
      launched.once('disconnected', () => {
        if (browserPromise === launching) {
          browserPromise = null;
        }
      });
      return launched;
    }, (error) => {
      browserPromise = null;
      throw error;
    });
    browserPromise = launching;
  }
  return browserPromise;
}

/** Renders the URL in `payload` in a new page of the worker's browser. */
async function render(payload, context) {
  const url = payload.toString('utf8').trim();
  const { signal } = context;
  if (!/^https?:\/\//.test(url)) {
    throw new TypeError(`a task is an http(s) URL, not ${JSON.stringify(url)}`);
  }
  signal.throwIfAborted();
  const chrome = await browser();
  signal.throwIfAborted();
  const page = await chrome.newPage();
  // On CANCEL, closing the page makes a navigation or evaluation under way fail at once, so
  // the handler settles and the worker can take the next task.
  const onAbort = () => {
    page.close().catch(() => {});
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    signal.throwIfAborted();
    context.progress(`loading ${url}`);
    await page.goto(url, { waitUntil: 'load', timeout: NAVIGATION_TIMEOUT_MS });
    signal.throwIfAborted();
    const title = await page.title();
    const textLength = await page.evaluate(
      () => (document.body ? document.body.innerText.length : 0));
    return JSON.stringify({ title, textLength, chromePid: chrome.process().pid });
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!page.isClosed()) {
      await page.close().catch(() => {});
    }
  }
}

module.exports = render;

if (require.main === module) {
  stockade.run(render);
}
