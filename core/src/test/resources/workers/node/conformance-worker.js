'use strict';
// The handler of the conformance test: the payload is a command, "name" or "name:argument".

const { spawn, spawnSync } = require('child_process');

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function handle(payload, context) {
  const colon = payload.indexOf(0x3a);
  const command = payload.subarray(0, colon < 0 ? payload.length : colon).toString('utf8');
  const rawArgument = colon < 0 ? Buffer.alloc(0) : payload.subarray(colon + 1);
  const argument = rawArgument.toString('utf8');
  switch (command) {
    case 'echo':
      return rawArgument; // bytes as they came: any byte value must survive the round trip
    case 'print':
      console.log(argument);
      // A child inherits descriptors 0-2: its output must reach stderr, not the protocol.
      spawnSync('sh', ['-c', 'echo child-output; echo child-err >&2'], { stdio: 'inherit' });
      return 'ok';
    case 'fail':
      throw new TypeError(argument);
    case 'progress':
      for (let i = 1; i <= Number(argument); i++) {
        context.progress(`step ${i}`);
      }
      return 'done';
    case 'sleep': {
      context.progress('started');
      const deadline = Date.now() + Number(argument);
      while (Date.now() < deadline) {
        context.signal.throwIfAborted();
        await delay(10);
      }
      return 'slept';
    }
    case 'spin':
      context.progress('started');
      // Synchronous: the event loop never runs again while this task lives.
      for (;;) {
        // spin
      }
    case 'spawn': {
      const child = spawn('sleep', ['1000'], { stdio: 'inherit', detached: false });
      child.unref();
      return String(child.pid);
    }
    case 'spawn-session': { // detached: setsid, as puppeteer starts Chrome
      const child = spawn('sleep', ['1000'], { stdio: 'ignore', detached: true });
      child.unref();
      return String(child.pid);
    }
    default:
      throw new RangeError(`unknown command ${command}`);
  }
}

module.exports = handle;

if (require.main === module) {
  require('./stockade-worker.js').run(handle);
}
