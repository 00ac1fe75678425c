'use strict';
// The handler of the conformance test: the payload is a command, "name" or "name:argument".

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** For "<ascii>:<count>": that many "a"s, then that many four-byte characters. */
function longText(argument) {
  const [ascii, count] = argument.split(':').map(Number);
  return 'a'.repeat(ascii) + '\u{1D11E}'.repeat(count);
}

// The timer "late-progress" leaves behind, and what it saw, until "stop-late" stops it.
let late = null;

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
    case 'pid':
      return String(process.pid);
    case 'mark': // a file in the working directory: proof that this input ran
      fs.writeFileSync(argument, '');
      return 'marked';
    case 'big':
      return Buffer.alloc(Number(argument), 'x');
    case 'fail-long':
      throw new TypeError(longText(argument));
    case 'fail-trace': {
      // The stack is what the runtime sends as the trace: make it long, the message short.
      const error = new TypeError('short');
      error.stack = `${error.stack}\ncaused by: ${longText(argument)}`;
      throw error;
    }
    case 'progress-long':
      return context.progress(longText(argument)) ? 'sent' : 'dropped';
    case 'late-progress': {
      // A timer that goes on reporting after the handler returned.
      const counts = { sent: 0, dropped: 0 };
      const timer = setInterval(() => {
        counts[context.progress('late') ? 'sent' : 'dropped'] += 1;
      }, 1);
      late = { timer, counts };
      return 'returned';
    }
    case 'stop-late':
      clearInterval(late.timer);
      return `sent ${late.counts.sent} dropped ${late.counts.dropped}`;
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
