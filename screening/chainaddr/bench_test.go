package chainaddr

import "testing"

func benchParse(b *testing.B, addr, hint string) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(addr, hint); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEVM(b *testing.B) {
	benchParse(b, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "ETH")
}

func BenchmarkParseEVMLower(b *testing.B) {
	benchParse(b, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "")
}

func BenchmarkParseBTCBech32(b *testing.B) {
	benchParse(b, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "")
}

func BenchmarkParseBase58(b *testing.B) {
	benchParse(b, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "")
}

func BenchmarkParseTRON(b *testing.B) {
	benchParse(b, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "USDT")
}

func BenchmarkParseCashAddr(b *testing.B) {
	benchParse(b, "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", "")
}

func BenchmarkParseMonero(b *testing.B) {
	benchParse(b, "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge", "XMR")
}
