package safe

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readTyped(t *testing.T, path string) *TypedData {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	td, err := ParseTypedData("--typed-data", raw)
	if err != nil {
		t.Fatal(err)
	}
	return td
}

func checkTypedHashes(t *testing.T, td *TypedData, domain, message, digest string) {
	t.Helper()
	h, err := td.Hash()
	if err != nil {
		t.Fatal(err)
	}
	if h.DomainHash.Hex() != domain || h.MessageHash.Hex() != message || h.Hash.Hex() != digest {
		t.Errorf("hashes = %s %s %s\nwant     %s %s %s", h.DomainHash.Hex(), h.MessageHash.Hex(), h.Hash.Hex(), domain, message, digest)
	}
}

// TestTypedDataLocal checks the project's own fixtures. mail.json is the
// example of the EIP-712 specification, whose published values are
// domainSeparator 0xf2cee375…, hashStruct(message) 0xc52c0ee5… and digest
// 0xbe609aee…; kitchen.json covers every atomic type, nested and fixed
// arrays, negative integers, a salt and an unused type, with values from
// ethers v6 TypedDataEncoder.
func TestTypedDataLocal(t *testing.T) {
	mail := readTyped(t, filepath.Join("testdata", "eip712", "mail.json"))
	if got := mail.EncodeType("Mail"); got != "Mail(Person from,Person to,string contents)Person(string name,address wallet)" {
		t.Errorf("encodeType = %s", got)
	}
	checkTypedHashes(t, mail,
		"0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f",
		"0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e",
		"0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2")

	kitchen := readTyped(t, filepath.Join("testdata", "eip712", "kitchen.json"))
	if got := kitchen.EncodeType("Order"); got != "Order(Party maker,Leg[] legs,uint8[2][] grid,int8 delta,int256 floor,uint256 amount,bool flag,bytes memo,bytes4 tag,string note)Leg(address token,uint128 amount)Party(address wallet,string name)" {
		t.Errorf("encodeType = %s", got)
	}
	checkTypedHashes(t, kitchen,
		"0x5e02f7ad0aee35a2b9e372f707555766c58bf4ea7a5d52aff9acd9636dad8b6d",
		"0x4d46f6f24b2864f3e387801f3c240fee4dac96cd6356b72b34f3244121b989fe",
		"0x01c78ce2bbe001cdc14b29b10f70283f3e5ff305447c445b64c33541d28636e9")

	// The same object passed as a JSON string, as eth_signTypedData_v4 does.
	raw, _ := os.ReadFile(filepath.Join("testdata", "eip712", "mail.json"))
	wrapped, _ := json.Marshal(string(raw))
	td, err := ParseTypedData("--typed-data", wrapped)
	if err != nil {
		t.Fatal(err)
	}
	checkTypedHashes(t, td,
		"0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f",
		"0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e",
		"0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2")
}

// TestTypedDataShared checks the typed-data files of the shared data folder
// (byte-exact copies of Cyfrin/safe-hash-rs test files). pat_eip712_message
// and another_example carry the values Cyfrin publishes in
// crates/safe-utils/tests/hasher_tests.rs; the others were derived with
// ethers v6 TypedDataEncoder (eip712_message.json's digest 0xa85c2e2b… is
// also MetaMask eth-sig-util's signTypedData_v4 example value).
func TestTypedDataShared(t *testing.T) {
	dir := filepath.Join(sharedSafeData, "eip712")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s is absent: %v", dir, err)
	}
	for _, tc := range []struct{ file, domain, message, digest string }{
		{"pat_eip712_message.json", "0x4b060214423f60c76da4f8d80253b7c6b565786aaae7afef3be4ae257c66761b", "0xdc266ecad0ca5863351fbfa07d82d034df09779408013c1b4b28a2317e5c7909", "0x76ea36b85e6de361baa7cb21a064a2a985bd2ce751407345d408cee923e94a41"},
		{"another_example.json", "0x04836bd2dbdcbf68aef3b82e83babee1e988fb3c6fe1e9319d77a125e02a66cd", "0x9b80505023ee7505d826afcf368ef1df4d18e088e773cf51dc5484858be18187", "0x1497354498e270c5ae2652ab217b16deb04c5017635f1f5f229f541998495a6a"},
		{"another_example2.json", "0x4b060214423f60c76da4f8d80253b7c6b565786aaae7afef3be4ae257c66761b", "0x90f31eb2908ee603c92ad37c726548296cf52ed6c4edd39876c3b5dd09447ae5", "0x1be8e5ff60e3a11c229dd65f64fcead922ed2e56991362d76f5df5a8e7d4c1c0"},
		{"another_example3.json", "0x694d658491e66f3a08bca176fe90b3d454d36ae4299d719b652a327888b79665", "0x8ce999c95866ce9b0dd9072668111bed7dd8bd23dbbb0b18444ef0b5220b115c", "0x20ba349a090d1ec97bc9c916462849c95371eeaafe8e8234a7b1fac7df00fd3d"},
		{"eip712_message.json", "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f", "0xeb4221181ff3f1a83ea7313993ca9218496e424604ba9492bb4052c03d5c3df8", "0xa85c2e2b118698e88db68a8105b794a8cc7cec074e89ef991cb4f5f533819cc2"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			checkTypedHashes(t, readTyped(t, filepath.Join(dir, tc.file)), tc.domain, tc.message, tc.digest)
		})
	}
}

func TestTypedDataRejects(t *testing.T) {
	mail, err := os.ReadFile(filepath.Join("testdata", "eip712", "mail.json"))
	if err != nil {
		t.Fatal(err)
	}
	// edit returns mail.json with one substring replaced.
	edit := func(old, new string) string {
		if !strings.Contains(string(mail), old) {
			t.Fatalf("fixture lacks %q", old)
		}
		return strings.Replace(string(mail), old, new, 1)
	}
	parse := []struct{ name, in, msg string }{
		{"not JSON", "{", "not valid JSON"},
		{"trailing data", string(mail) + "{}", "data after the JSON value"},
		{"array", "[]", "want a JSON object"},
		{"string of garbage", `"nope"`, "does not hold valid JSON"},
		{"no types", `{"primaryType":"Mail","domain":{},"message":{}}`, "types: want an object"},
		{"no EIP712Domain", edit(`"EIP712Domain"`, `"Domain"`), "EIP712Domain is not defined"},
		{"primaryType missing", edit(`"primaryType": "Mail",`, ``), "primaryType: want the name"},
		{"primaryType undefined", edit(`"primaryType": "Mail"`, `"primaryType": "Letter"`), `primaryType "Letter" is not defined`},
		{"primaryType domain", edit(`"primaryType": "Mail"`, `"primaryType": "EIP712Domain"`), "domain-only signature"},
		{"unknown field type", edit(`{"name": "contents", "type": "string"}`, `{"name": "contents", "type": "text"}`), `unknown type "text"`},
		{"uint without size", edit(`{"name": "contents", "type": "string"}`, `{"name": "contents", "type": "uint"}`), "write uint256"},
		{"uint7", edit(`{"name": "contents", "type": "string"}`, `{"name": "contents", "type": "uint7"}`), "uintN has N from 8 to 256"},
		{"bytes33", edit(`{"name": "contents", "type": "string"}`, `{"name": "contents", "type": "bytes33"}`), "bytesN has N from 1 to 32"},
		{"bad array", edit(`{"name": "to", "type": "Person"}`, `{"name": "to", "type": "Person[x]"}`), "array length"},
		{"zero array", edit(`{"name": "to", "type": "Person"}`, `{"name": "to", "type": "Person[0]"}`), "array length"},
		{"unclosed array", edit(`{"name": "to", "type": "Person"}`, `{"name": "to", "type": "Person[2"}`), "malformed array type"},
		{"duplicate field", edit(`{"name": "contents", "type": "string"}`, `{"name": "to", "type": "string"}`), "defined twice"},
		{"bad field name", edit(`{"name": "contents", "type": "string"}`, `{"name": "con tents", "type": "string"}`), "not a valid field name"},
		{"bad type name", edit(`"Person": [`, `"Per(son": [`), "not a valid type name"},
		{"redefined atomic", edit(`"Person": [`, `"uint256": [`), "atomic type"},
		{"field not object", edit(`{"name": "contents", "type": "string"}`, `"contents"`), `want {"name": …, "type": …}`},
		{"message not object", `{"types":{"EIP712Domain":[],"T":[]},"primaryType":"T","domain":{},"message":[]}`, "message: want an object"},
		{"domain missing", edit(`"domain": {`, `"domian": {`), "domain: want an object"},
	}
	for _, tc := range parse {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTypedData("--typed-data", []byte(tc.in))
			wantInvalid(t, err, "--typed-data", tc.msg)
		})
	}
	hash := []struct{ name, in, msg string }{
		{"missing field", edit("},\n    \"contents\": \"Hello, Bob!\"", "}"), `message.contents: missing`},
		{"extra field", edit(`"contents": "Hello, Bob!"`, `"contents": "Hello, Bob!", "bcc": "Eve"`), `"bcc" is not a field of Mail`},
		{"null field", edit(`"contents": "Hello, Bob!"`, `"contents": null`), "message.contents: missing"},
		{"bad address", edit(`"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"`, `"0xbBbB"`), "message.to.wallet: want an address"},
		{"number as string", edit(`"Hello, Bob!"`, `42`), "message.contents: want a string"},
		{"chainId float", edit(`"chainId": 1`, `"chainId": 1.5`), "domain.chainId: want an integer"},
		{"chainId beyond 2^53", edit(`"chainId": 1`, `"chainId": 9007199254740993`), "write it as a string"},
		{"chainId negative", edit(`"chainId": 1`, `"chainId": "-1"`), "does not fit uint256: negative"},
		{"chainId too big", edit(`"chainId": 1`, `"chainId": "0x1`+strings.Repeat("0", 64)+`"`), "does not fit uint256: too large"},
		{"chainId bool", edit(`"chainId": 1`, `"chainId": true`), "want an integer"},
		{"domain extra", edit(`"chainId": 1,`, `"chainId": 1, "salt": "0x00",`), `"salt" is not a field of EIP712Domain`},
		{"struct not object", edit(`"to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"}`, `"to": "Bob"`), "message.to: want an object of type Person"},
	}
	for _, tc := range hash {
		t.Run(tc.name, func(t *testing.T) {
			td, err := ParseTypedData("--typed-data", []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			_, err = td.Hash()
			wantInvalid(t, err, "--typed-data", tc.msg)
		})
	}
}

func TestTypedDataValues(t *testing.T) {
	// One field of each kind in a tiny struct; the values must be refused.
	doc := func(typ, val string) string {
		return `{"types":{"EIP712Domain":[],"T":[{"name":"v","type":"` + typ + `"}]},"primaryType":"T","domain":{},"message":{"v":` + val + `}}`
	}
	for _, tc := range []struct{ typ, val, msg string }{
		{"bool", `"true"`, "want true or false"},
		{"bytes", `"hello"`, "want 0x-prefixed hex bytes"},
		{"bytes", `"0x123"`, "want 0x-prefixed hex bytes"},
		{"bytes4", `"0xa9059c"`, "want bytes4"},
		{"bytes4", `"0xa9059cbb00"`, "want bytes4"},
		{"uint8", `256`, "does not fit uint8"},
		{"int8", `-129`, "does not fit int8"},
		{"int8", `128`, "does not fit int8"},
		{"uint256", `"1e3"`, "want an integer"},
		{"uint256", `"-0x1"`, "want an integer"},
		{"uint256", `"0x"`, "want an integer"},
		{"uint256", `[]`, "want an integer"},
		{"address", `"0x` + strings.Repeat("g", 40) + `"`, "want an address"},
		{"uint8[2]", `[1]`, "has exactly 2 elements"},
		{"uint8[]", `{}`, "want an array"},
		{"string", `{}`, "want a string"},
	} {
		td, err := ParseTypedData("--typed-data", []byte(doc(tc.typ, tc.val)))
		if err != nil {
			t.Fatalf("%s %s: %v", tc.typ, tc.val, err)
		}
		_, err = td.Hash()
		wantInvalid(t, err, "--typed-data", tc.msg)
	}
	// Deep nesting is refused, not a stack overflow.
	deep := `{"types":{"EIP712Domain":[],"T":[{"name":"v","type":"uint8` + strings.Repeat("[]", 100) + `"}]},"primaryType":"T","domain":{},"message":{"v":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}}`
	td, err := ParseTypedData("--typed-data", []byte(deep))
	if err != nil {
		t.Fatal(err)
	}
	_, err = td.Hash()
	wantInvalid(t, err, "--typed-data", "nested more than 64 levels")
	// A self-referencing type with finite data hashes.
	tree := `{"types":{"EIP712Domain":[],"Node":[{"name":"kids","type":"Node[]"}]},"primaryType":"Node","domain":{},"message":{"kids":[{"kids":[]}]}}`
	if td, err = ParseTypedData("x", []byte(tree)); err != nil {
		t.Fatal(err)
	}
	if _, err := td.Hash(); err != nil {
		t.Fatal(err)
	}
	if got := td.EncodeType("Node"); got != "Node(Node[] kids)" {
		t.Errorf("encodeType = %s", got)
	}
	// Oversized input.
	_, err = ParseTypedData("--typed-data", make([]byte, MaxTypedDataSize+1))
	wantInvalid(t, err, "--typed-data", "more than")
}
