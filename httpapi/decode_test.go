package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// decodeTarget has a field of each JSON type, to exercise the messages.
type decodeTarget struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Ratio float64  `json:"ratio"`
	On    bool     `json:"on"`
	Tags  []string `json:"tags"`
	Sub   struct {
		X int `json:"x"`
	} `json:"sub"`
	Opt  *string `json:"opt"`
	Skip int     `json:"-"`
	decodeEmbedded
}

// decodeEmbedded is embedded in decodeTarget, as screening.NameQuery is in
// the name screening request: its fields are top-level JSON fields.
type decodeEmbedded struct {
	Limit int `json:"limit"`
	Inner struct {
		Y bool `json:"y"`
	} `json:"inner"`
}

func TestDecodeBytes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, msg, field string
	}{
		{`{"name":"a","count":2,"ratio":0.5,"on":true,"tags":["x"],"sub":{"x":1},"opt":null}`, "", ""},
		{"  \n{\"name\":\"a\"}\n\t ", "", ""},
		{`{"count":"2"}`, `field "count": want integer, got string at byte 12`, "count"},
		{`{"count":1.5}`, `field "count": want an integer in range`, "count"},
		{`{"count":1e99}`, `field "count": want an integer in range`, "count"},
		{`{"ratio":"x"}`, `field "ratio": want number, got string`, "ratio"},
		{`{"on":"yes"}`, `field "on": want boolean, got string`, "on"},
		{`{"tags":"x"}`, `field "tags": want array, got string`, "tags"},
		{`{"tags":[1]}`, `field "tags": want string, got number`, "tags"},
		{`{"sub":{"x":"1"}}`, `field "sub.x": want integer, got string`, "sub.x"},
		{`{"sub":[]}`, `field "sub": want object, got array`, "sub"},
		{`{"Skip":1}`, `unknown field "Skip" (known fields: count, inner, limit, name, on, opt, ratio, sub, tags)`, "Skip"},
		// Fields of an embedded struct are named as the caller wrote
		// them, never with a Go type name.
		{`{"limit":"x"}`, `field "limit": want integer, got string`, "limit"},
		{`{"LIMIT":"x"}`, `field "limit": want integer, got string`, "limit"},
		{`{"inner":{"y":1}}`, `field "inner.y": want boolean, got number`, "inner.y"},
		{`{"` + strings.Repeat("k", 500) + `":1}`, `unknown field "kkkk`, ""},
		{`{"name":"a"}{`, "unexpected data after the JSON object at byte 12", "body"},
		{`{"name":"a"`, "unexpected end of input", ""},
		{`{"name" "a"}`, "syntax error at byte 9: invalid character '\"' after object key", ""},
		{`{"name":"a",,}`, "syntax error at byte 13", ""},
		{"{\"name\":\"\x01\"}", "syntax error", ""},
		{`tru`, "unexpected end of input at byte 3", ""},
		{`trux`, "syntax error at byte 4", ""},
		{`42`, "want a JSON object, got number", "body"},
		{`"s"`, "want a JSON object, got string", "body"},
		{`true`, "want a JSON object, got boolean", "body"},
		{` `, "request body is empty", "body"},
	} {
		var dst decodeTarget
		err := decodeBytes([]byte(tc.in), &dst)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.in, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: no error, want %q", tc.in, tc.msg)
			continue
		}
		if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.Contains(bulwark.ErrorMessage(err), tc.msg) {
			t.Errorf("%q: %s %q, want %q", tc.in, bulwark.ErrorCode(err), bulwark.ErrorMessage(err), tc.msg)
		}
		var be *bulwark.Error
		if tc.field != "" && (!errors.As(err, &be) || be.Field != tc.field) {
			t.Errorf("%q: field %q, want %q", tc.in, be.Field, tc.field)
		}
		if strings.Contains(bulwark.ErrorMessage(err), "decodeEmbedded") {
			t.Errorf("%q: a Go type name in %q", tc.in, bulwark.ErrorMessage(err))
		}
		if len(bulwark.ErrorMessage(err)) > 400 {
			t.Errorf("%q: message of %d bytes", tc.in, len(bulwark.ErrorMessage(err)))
		}
	}
}

func TestByteSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{1 << 20: "1 MiB", 1024: "1 KiB", 1536: "1536 bytes", 3 << 30: "3 GiB", 10: "10 bytes"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// FuzzDecodeJSON feeds arbitrary bodies through the request decoder: it
// must never panic, must answer only EINVALID or ETOOLARGE with a short,
// valid UTF-8 message, and must accept only a single valid JSON object.
// Seeds are in testdata/fuzz/FuzzDecodeJSON.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","count":1,"tags":["x"],"sub":{"x":2}}`,
		`{"name":"a",}`, `{"rol":1}`, `[]`, `null`, ``, `{"count":1e999}`,
		`{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{"sub":{"x":{}}}`, `{} {}`,
	} {
		f.Add([]byte(s))
	}
	const limit = 512
	f.Fuzz(func(t *testing.T, data []byte) {
		var dst decodeTarget
		err := decodeBytes(data, &dst)
		if err == nil {
			trimmed := bytes.TrimSpace(data)
			if !json.Valid(data) || len(trimmed) == 0 || trimmed[0] != '{' {
				t.Fatalf("accepted %q", data)
			}
		} else {
			checkDecodeErr(t, data, err, bulwark.EINVALID)
		}

		req := httptest.NewRequest("POST", "/", bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		var dst2 decodeTarget
		err2 := decodeJSON(httptest.NewRecorder(), req, &dst2, limit)
		switch {
		case len(data) > limit:
			if bulwark.ErrorCode(err2) != bulwark.ETOOLARGE {
				t.Fatalf("%d bytes over a %d limit: %v", len(data), limit, err2)
			}
		case (err == nil) != (err2 == nil):
			t.Fatalf("decodeBytes %v, decodeJSON %v", err, err2)
		case err2 != nil:
			checkDecodeErr(t, data, err2, bulwark.EINVALID)
		}
	})
}

func checkDecodeErr(t *testing.T, data []byte, err error, code string) {
	t.Helper()
	var be *bulwark.Error
	if !errors.As(err, &be) {
		t.Fatalf("%q: not a *bulwark.Error: %v", data, err)
	}
	msg := bulwark.ErrorMessage(err)
	if be.Code != code || msg == "" || len(msg) > 400 || !utf8.ValidString(msg) {
		t.Fatalf("%q: bad error %s %q", data, be.Code, msg)
	}
}

// plainAddressRequest is screenAddressRequest without the fast path.
type plainAddressRequest screenAddressRequest

// TestDecodeFlat: the fast path of the address request decodes what
// encoding/json decodes, and refuses (leaving it to encoding/json, whose
// error is the same) whatever is not an object of known plain string
// members.
func TestDecodeFlat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		fast bool
	}{
		{`{"address":"0x00000000000000000000000000000000000000aa"}`, true},
		{" \n{ \"address\" : \"0xaa\" ,\t\"chain\":\"ethereum\", \"use\":\"withdrawal\",\"subject\":\"cust <1> é\" }\r\n", true},
		{`{}`, true},
		{`{"address":""}`, true},
		{`{"Address":"0xaa"}`, false},
		{`{"address":"0xaa","address":"0xbb"}`, false},
		{`{"address":"0x\u0061a"}`, false},
		{`{"address":"0xaa","addresses":["0xbb"]}`, false},
		{`{"address":"0xaa","unknown":"x"}`, false},
		{`{"address":1}`, false},
		{`{"address":null}`, false},
		{`{"address":"0xaa"} {}`, false},
		{`{"address":"0xaa"`, false},
		{`{"address":"0xaa",}`, false},
		{`{"address" "0xaa"}`, false},
		{`{,}`, false},
		{`[]`, false},
		{`{"address":"tab	inside"}`, false},
	} {
		var fast, plain screenAddressRequest
		if got := decodeFlat([]byte(tc.in), &fast); got != tc.fast {
			t.Errorf("%q: decodeFlat = %v, want %v", tc.in, got, tc.fast)
		}
		fast = screenAddressRequest{}
		ferr := decodeBytes([]byte(tc.in), &fast)
		perr := decodeBytes([]byte(tc.in), (*plainAddressRequest)(&plain))
		if fmt.Sprint(ferr) != fmt.Sprint(perr) || !reflect.DeepEqual(fast, plain) {
			t.Errorf("%q: fast path %+v, %v; encoding/json %+v, %v", tc.in, fast, ferr, plain, perr)
		}
	}
}

// TestDecodeJSONBodyLengths: a body is read whole whether its length is
// declared (read at once when small) or not (chunked), refused 413 over
// the limit either way, and a body shorter than its declared length is an
// invalid request.
func TestDecodeJSONBodyLengths(t *testing.T) {
	t.Parallel()
	body := `{"name":"x"}`
	big := `{"name":"` + strings.Repeat("x", smallBody) + `"}`
	for _, tc := range []struct {
		name     string
		body     string
		length   int64 // the declared Content-Length; -1 unknown
		limit    int64
		wantCode string // "" for success
		wantMsg  string
	}{
		{"declared", body, int64(len(body)), 1024, "", ""},
		{"unknown length", body, -1, 1024, "", ""},
		{"declared, over the limit", body, int64(len(body)), 5, bulwark.ETOOLARGE, "larger than the limit of 5 bytes"},
		{"unknown length, over the limit", body, -1, 5, bulwark.ETOOLARGE, "larger than the limit of 5 bytes"},
		{"declared, larger than read at once", big, int64(len(big)), 1 << 20, "", ""},
		{"declared, cut short", body[:5], int64(len(body)), 1024, bulwark.EINVALID, "cannot read the request body"},
		{"declared, exactly the limit", body, int64(len(body)), int64(len(body)), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			r.ContentLength = tc.length
			r.Header.Set("Content-Type", "application/json")
			var dst decodeTarget
			err := decodeJSON(httptest.NewRecorder(), r, &dst, tc.limit)
			if tc.wantCode == "" {
				if err != nil || dst.Name == "" {
					t.Fatalf("decodeJSON = %v, name %q", err, dst.Name)
				}
				return
			}
			if bulwark.ErrorCode(err) != tc.wantCode || !strings.Contains(bulwark.ErrorMessage(err), tc.wantMsg) {
				t.Fatalf("decodeJSON = %v, want %s %q", err, tc.wantCode, tc.wantMsg)
			}
		})
	}
}
