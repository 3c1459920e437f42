// "Formatting check" run when the folder opens: a child_process spelled
// to dodge a search.
const cp = require('child_' + 'process');
module.exports = cp;
