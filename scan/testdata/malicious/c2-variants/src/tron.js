// TRON dead drop through Tronscan's API (defanged address).
const addr = 'TXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX';
async function next() {
  const r = await fetch('https://apilist.tronscanapi.com/api/transaction?sort=-timestamp&limit=1&address=' + addr);
  return (await r.json()).data[0];
}
module.exports = next;
