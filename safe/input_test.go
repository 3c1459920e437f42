package safe

import (
	"errors"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// wantInvalid asserts err is an EINVALID *bulwark.Error on field whose
// message contains substr.
func wantInvalid(t *testing.T, err error, field, substr string) {
	t.Helper()
	var e *bulwark.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *bulwark.Error", err)
	}
	if e.Code != bulwark.EINVALID || e.Field != field {
		t.Fatalf("error %q: code %s field %q, want invalid on %q", e.Message, e.Code, e.Field, field)
	}
	if !strings.HasPrefix(e.Message, field+": ") {
		t.Errorf("message %q does not start with the field", e.Message)
	}
	if !strings.Contains(e.Message, substr) {
		t.Errorf("message %q lacks %q", e.Message, substr)
	}
}

func TestParseVersion(t *testing.T) {
	ok := []struct{ in, str, core string }{
		{"0.1.0", "0.1.0", "0.1.0"},
		{"1.0.0", "1.0.0", "1.0.0"},
		{"1.1.0", "1.1.0", "1.1.0"},
		{"1.1.1", "1.1.1", "1.1.1"},
		{"1.2.0", "1.2.0", "1.2.0"},
		{"1.3.0", "1.3.0", "1.3.0"},
		{"1.3.0+L2", "1.3.0+L2", "1.3.0"},
		{"1.4.0", "1.4.0", "1.4.0"},
		{"1.4.1+L2", "1.4.1+L2", "1.4.1"},
		{"1.5.0", "1.5.0", "1.5.0"},
		{"v1.1.1", "1.1.1", "1.1.1"},
		{"V1.5.0+L2", "1.5.0+L2", "1.5.0"},
		{" 1.3.0 ", "1.3.0", "1.3.0"},
	}
	for _, tc := range ok {
		v, err := ParseVersion("--safe-version", tc.in)
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", tc.in, err)
			continue
		}
		if v.String() != tc.str || v.Core() != tc.core {
			t.Errorf("ParseVersion(%q) = %s (%s), want %s (%s)", tc.in, v, v.Core(), tc.str, tc.core)
		}
	}
	bad := []struct{ in, msg string }{
		{"", "required"},
		{"1.1.2", "unknown Safe version"},
		{"1.6.0", "unknown Safe version"},
		{"2.0.0", "unknown Safe version"},
		{"0.0.2", "unknown Safe version"},
		{"0.0.1", "unknown Safe version"},
		{"1.3", "not a version"},
		{"1.3.0.0", "not a version"},
		{"01.3.0", "not a version"},
		{"1.3.0-libs.0", "not a version"},
		{"1.3.0+", "malformed suffix"},
		{"1.3.0+L 2", "malformed suffix"},
		{"1.3.0+" + strings.Repeat("x", 40), "malformed suffix"},
		{"v", "not a version"},
		{"latest", "not a version"},
		{"１.3.0", "not a version"},
	}
	for _, tc := range bad {
		_, err := ParseVersion("--safe-version", tc.in)
		wantInvalid(t, err, "--safe-version", tc.msg)
		if tc.msg != "malformed suffix" && !strings.Contains(err.Error(), "0.1.0, 1.0.0, 1.1.0, 1.1.1, 1.2.0, 1.3.0, 1.4.0, 1.4.1, 1.5.0") {
			t.Errorf("ParseVersion(%q) error does not list the supported versions: %v", tc.in, err)
		}
	}
}

func TestVersionRules(t *testing.T) {
	for _, tc := range []struct {
		v                    string
		chainID, dataGas     bool
		maxOp                Operation
		olderThan, newerThan string
	}{
		{"0.1.0", false, true, Create, "1.0.0", ""},
		{"1.0.0", false, false, DelegateCall, "1.1.0", "0.1.0"},
		{"1.1.1", false, false, DelegateCall, "1.2.0", "1.1.0"},
		{"1.2.0", false, false, DelegateCall, "1.3.0", "1.1.1"},
		{"1.3.0", true, false, DelegateCall, "1.4.0", "1.2.0"},
		{"1.4.1", true, false, DelegateCall, "1.5.0", "1.4.0"},
		{"1.5.0+L2", true, false, DelegateCall, "", "1.4.1"},
	} {
		v := mustVersion(t, tc.v)
		if v.DomainHasChainID() != tc.chainID || v.UsesDataGas() != tc.dataGas || v.MaxOperation() != tc.maxOp {
			t.Errorf("%s: chainId %v dataGas %v maxOp %v", tc.v, v.DomainHasChainID(), v.UsesDataGas(), v.MaxOperation())
		}
		if tc.olderThan != "" && v.Compare(mustVersion(t, tc.olderThan)) != -1 {
			t.Errorf("%s not older than %s", tc.v, tc.olderThan)
		}
		if tc.newerThan != "" && v.Compare(mustVersion(t, tc.newerThan)) != 1 {
			t.Errorf("%s not newer than %s", tc.v, tc.newerThan)
		}
		if v.Compare(mustVersion(t, v.Core())) != 0 {
			t.Errorf("%s differs from itself without suffix", tc.v)
		}
	}
	if got := strings.Join(SupportedVersions(), " "); got != "0.1.0 1.0.0 1.1.0 1.1.1 1.2.0 1.3.0 1.4.0 1.4.1 1.5.0" {
		t.Errorf("SupportedVersions = %s", got)
	}
	if (Version{}).Known() {
		t.Error("the zero Version is known")
	}
}

func TestParseAddress(t *testing.T) {
	for _, in := range []string{
		"0x96221423681a6d52e184d440a8efcebb105c7242", // all lower
		"0x96221423681A6D52E184D440A8EFCEBB105C7242", // all upper
		"0x96221423681A6d52E184D440a8eFCEbB105C7242", // EIP-55
		"0x0000000000000000000000000000000000000000",
		" 0x96221423681A6d52E184D440a8eFCEbB105C7242\n",
	} {
		a, err := ParseAddress("--to", in)
		if err != nil {
			t.Errorf("ParseAddress(%q): %v", in, err)
			continue
		}
		if !strings.EqualFold(a.Hex(), strings.TrimSpace(in)) {
			t.Errorf("ParseAddress(%q) = %s", in, a.Hex())
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"0x96221423681A6d52E184D440a8eFCEbB105C7243", "mixed-case address fails its EIP-55 checksum; check for a typo or pass it all lower-case"},
		{"0x96221423681a6d52E184D440a8eFCEbB105C7242", "fails its EIP-55 checksum"},
		{"96221423681A6d52E184D440a8eFCEbB105C7242", "must start with 0x"},
		{"0X96221423681A6D52E184D440A8EFCEBB105C7242", "must start with 0x"},
		{"0x96221423681A6d52E184D440a8eFCEbB105C72", "has 38 hex digits"},
		{"0x96221423681A6d52E184D440a8eFCEbB105C724200", "has 42 hex digits"},
		{"0x96221423681A6d52E184D440a8eFCEbB105C724g", "is not a hex digit"},
		{"0x", "has 0 hex digits"},
		{"", "required"},
		{"bybit.eth", "must start with 0x"},
	} {
		_, err := ParseAddress("--to", tc.in)
		wantInvalid(t, err, "--to", tc.msg)
	}
	_, err := ParseAddress("--to", "0x96221423681A6d52E184D440a8eFCEbB105C7243")
	if got := err.Error(); got != "--to: mixed-case address fails its EIP-55 checksum; check for a typo or pass it all lower-case" {
		t.Errorf("checksum error = %q", got)
	}
}

func TestParseHex(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{{"0x", 0}, {"0x00", 1}, {"0xA9059cbb", 4}, {" 0xabcd ", 2}} {
		b, err := ParseHex("--data", tc.in)
		if err != nil || len(b) != tc.want {
			t.Errorf("ParseHex(%q) = %x, %v", tc.in, b, err)
		}
	}
	if b, _ := ParseHex("--data", "0x"); b == nil {
		t.Error(`ParseHex("0x") = nil, want empty non-nil`)
	}
	for _, tc := range []struct{ in, msg string }{
		{"", "empty"},
		{"a9059cbb", "not 0x-prefixed"},
		{"0X00", "not 0x-prefixed"},
		{"0x0", "odd number of hex digits (1)"},
		{"0xa9059cbz", `"z" at position 9 is not a hex digit`},
		{"0x 00", "is not a hex digit"},
	} {
		_, err := ParseHex("--data", tc.in)
		wantInvalid(t, err, "--data", tc.msg)
	}
}

func TestParseUint256(t *testing.T) {
	max := "115792089237316195423570985008687907853269984665640564039457584007913129639935"
	for _, tc := range []struct{ in, want string }{
		{"0", "0"}, {"1000", "1000"}, {"0x3e8", "1000"}, {"0x3E8", "1000"}, {"007", "7"},
		{max, max}, {"0x" + strings.Repeat("f", 64), max}, {"0x" + strings.Repeat("0", 100) + "1", "1"}, {" 5 ", "5"},
	} {
		n, err := ParseUint256("--value", tc.in)
		if err != nil || n.String() != tc.want {
			t.Errorf("ParseUint256(%q) = %v, %v; want %s", tc.in, n, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"", "empty"},
		{"-1", "negative"},
		{"-0x1", "negative"},
		{"+1", "not a whole number"},
		{"1.5", "not a whole number"},
		{"1e18", "not a whole number"},
		{"1_000", "not a whole number"},
		{"0x", "no digits after 0x"},
		{"0xg", "not a hex digit"},
		{"0X10", "not a whole number"},
		{"115792089237316195423570985008687907853269984665640564039457584007913129639936", "larger than 2^256-1"},
		{"0x1" + strings.Repeat("0", 64), "larger than 2^256-1"},
		{strings.Repeat("9", 100000), "larger than 2^256-1"},
	} {
		_, err := ParseUint256("--value", tc.in)
		wantInvalid(t, err, "--value", tc.msg)
	}
	if _, err := ParseChainID("--chain-id", "0"); err == nil {
		t.Error("chain id 0 accepted")
	} else {
		wantInvalid(t, err, "--chain-id", "not a chain")
	}
	if n, err := ParseChainID("--chain-id", "11155111"); err != nil || n.Int64() != 11155111 {
		t.Errorf("ParseChainID = %v, %v", n, err)
	}
}

func TestParseOperation(t *testing.T) {
	v010, v111, v130 := mustVersion(t, "0.1.0"), mustVersion(t, "1.1.1"), mustVersion(t, "1.3.0")
	for _, tc := range []struct {
		in   string
		v    Version
		want Operation
	}{{"0", v130, Call}, {"1", v130, DelegateCall}, {"1", v111, DelegateCall}, {"2", v010, Create}, {"0", v010, Call}} {
		op, err := ParseOperation("--operation", tc.in, tc.v)
		if err != nil || op != tc.want {
			t.Errorf("ParseOperation(%q, %s) = %v, %v", tc.in, tc.v, op, err)
		}
	}
	for _, tc := range []struct {
		in  string
		v   Version
		msg string
	}{
		{"2", v130, "operation 2 (CREATE) exists only before Safe 1.0.0; Safe 1.3.0 executes 0 (CALL) or 1 (DELEGATECALL)"},
		{"2", v111, "exists only before Safe 1.0.0"},
		{"3", v130, "use 0 (CALL) or 1 (DELEGATECALL)"},
		{"3", v010, "or 2 (CREATE)"},
		{"call", v130, "is not an operation"},
		{"", v130, "is not an operation"},
		{"01", v130, "is not an operation"},
	} {
		_, err := ParseOperation("--operation", tc.in, tc.v)
		wantInvalid(t, err, "--operation", tc.msg)
	}
}

// TestParseAddressList: comma-separated addresses in order; an empty item,
// a bad address and the same address twice (in any case) are refused
// naming the field.
func TestParseAddressList(t *testing.T) {
	t.Parallel()
	const a, b = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{in: a, want: []string{a}},
		{in: a + ", " + b, want: []string{a, b}},
		{in: a + ",", err: "--safe: empty address in"},
		{in: "", err: "--safe: empty address in"},
		{in: a + ",0x12", err: "--safe: \"0x12\" is not an address"},
		{in: a + "," + strings.ToLower(a), err: "--safe: " + a + " is listed twice; give each Safe once"},
	}
	for _, tt := range tests {
		got, err := ParseAddressList("--safe", tt.in)
		if tt.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("ParseAddressList(%q) = %v, %v; want an error starting %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("ParseAddressList(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		for i := range got {
			if got[i].Hex() != tt.want[i] {
				t.Errorf("ParseAddressList(%q)[%d] = %s, want %s", tt.in, i, got[i].Hex(), tt.want[i])
			}
		}
	}
}

// TestParseBlockNumber: a decimal integer, 0 or more, spaces trimmed;
// anything else is refused naming the field.
func TestParseBlockNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want uint64
		err  string
	}{
		{in: "0", want: 0},
		{in: " 17 ", want: 17},
		{in: "18446744073709551615", want: 18446744073709551615},
		{in: "-1", err: `--block: "-1" is not a block number`},
		{in: "0x10", err: `--block: "0x10" is not a block number`},
		{in: "", err: `--block: "" is not a block number`},
	}
	for _, tt := range tests {
		got, err := ParseBlockNumber("--block", tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.err)):
			t.Errorf("ParseBlockNumber(%q) = %d, %v; want an error starting %q", tt.in, got, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseBlockNumber(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}
