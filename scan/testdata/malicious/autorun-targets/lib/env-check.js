// "Checks the Node version" on install: copies the whole environment and
// names a raw-IP collector. Each alone is a medium finding; in a file
// npm install runs, it is worse.
const fs = require('fs');
const snapshot = { ...process.env };
const collector = 'http://198.51.100.23/collect/';
fs.writeFileSync('.cache-env', JSON.stringify({ collector, snapshot }));
