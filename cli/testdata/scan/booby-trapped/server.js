const express = require('express');
const app = express();
app.get('/api/prices', (req, res) => res.json([{ symbol: 'BTC', price: 0 }]));
app.listen(3000);
