const hostA = 'http://192.0.2.10:1224/uploads';
const hostB = 'http://203.0.113.5:2245';
const path = require('os').homedir() + '/.npl';
module.exports = { hostA, hostB, path };
