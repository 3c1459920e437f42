package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

// decodeJSON reads r's body into dst, a pointer to a struct, and returns a
// *bulwark.Error that names the problem:
//
//   - the Content-Type is not application/json → EINVALID;
//   - the body is larger than limit bytes → ETOOLARGE naming the limit;
//   - empty body, syntax error (with its byte offset), a value that is not
//     an object, an unknown field (listing the known ones), a field of the
//     wrong JSON type (naming the field and the wanted type), or data after
//     the object → EINVALID.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return badInput("Content-Type", "Content-Type must be application/json (the header is missing)")
	}
	if ct != "application/json" { // the common case needs no parsing
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return badInput("Content-Type", "Content-Type must be application/json, not %q", ct)
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return badInput("Content-Type", "JSON bodies must be UTF-8, not charset %q", cs)
		}
	}
	var data []byte
	var err error
	if n := r.ContentLength; n > 0 && n <= min(limit, pooledBody) {
		// The common case: a small body of a declared length, which the
		// server's body reader holds to it. Read it into a pooled buffer:
		// decoding copies what it keeps (strings, json.RawMessage), so
		// the buffer is free again once decodeBytes returns.
		buf := bodyBufs.Get().(*[pooledBody]byte)
		defer bodyBufs.Put(buf)
		data = buf[:n]
		_, err = io.ReadFull(r.Body, data)
	} else if n > 0 && n <= min(limit, smallBody) {
		// A larger body of a declared length: a buffer of its size.
		data = make([]byte, n)
		_, err = io.ReadFull(r.Body, data)
	} else {
		data, err = io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return bulwark.Errorf(bulwark.ETOOLARGE, "request body is larger than the limit of %s", byteSize(tooLarge.Limit))
		}
		return bulwark.Wrap(err, bulwark.EINVALID, "cannot read the request body")
	}
	return decodeBytes(data, dst)
}

// smallBody is the largest declared body length decodeJSON reads into a
// buffer of that size at once.
const smallBody = 64 << 10

// pooledBody is the largest declared body length decodeJSON reads into a
// buffer from bodyBufs (a screening request's body is well under it).
const pooledBody = 512

// bodyBufs recycles the buffers small bodies are read into
// (*[pooledBody]byte).
var bodyBufs = sync.Pool{New: func() any { return new([pooledBody]byte) }}

// decodeBytes decodes one JSON object from data into dst; see decodeJSON.
func decodeBytes(data []byte, dst any) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return badInput("body", "request body is empty: send a JSON object")
	}
	if !utf8.Valid(data) {
		// encoding/json would quietly turn the bad bytes into U+FFFD and
		// screen a name nobody sent.
		return badInput("body", "request body is not valid UTF-8: send JSON encoded as UTF-8")
	}
	if trimmed[0] != '{' && json.Valid(data) {
		return badInput("body", "invalid JSON body: want a JSON object, got %s", jsonKind(trimmed[0]))
	}
	if f, ok := dst.(flatDecoder); ok {
		if decodeFlat(trimmed, f) {
			return nil
		}
		reflect.ValueOf(dst).Elem().SetZero() // what decodeFlat set
	}
	// Anything else that is not an object fails below, with the decoder's
	// byte offset.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, dst, len(data))
	}
	rest := data[dec.InputOffset():]
	if extra := bytes.TrimLeft(rest, " \t\r\n"); len(extra) != 0 {
		pos := dec.InputOffset() + int64(len(rest)-len(extra))
		return badInput("body", "invalid JSON body: unexpected data after the JSON object at byte %d: send exactly one object", pos)
	}
	return nil
}

func decodeError(err error, dst any, size int) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return bulwark.Wrap(err, bulwark.EINVALID, bulwark.Sprintf("invalid JSON body: syntax error at byte %d: %s", syntax.Offset, bulwark.Echo(syntax.Error())))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("invalid JSON body: unexpected end of input at byte %d", size))
	case errors.As(err, &typ):
		got := typ.Value
		if i := strings.IndexByte(got, ' '); i >= 0 {
			got = got[:i] // "number 1.5" → "number"; do not echo values
		}
		if typ.Field == "" {
			return bulwark.Wrap(err, bulwark.EINVALID, fmt.Sprintf("invalid JSON body: want a JSON object, got %s", got))
		}
		field := bulwark.Echo(jsonPath(reflect.TypeOf(dst), typ.Field))
		want := jsonTypeName(typ.Type)
		if got == "number" && want == "integer" {
			return &bulwark.Error{Code: bulwark.EINVALID, Field: field, Err: err,
				Message: fmt.Sprintf("invalid JSON body: field %q: want an integer in range, at byte %d", field, typ.Offset)}
		}
		return &bulwark.Error{Code: bulwark.EINVALID, Field: field, Err: err,
			Message: fmt.Sprintf("invalid JSON body: field %q: want %s, got %s at byte %d", field, want, got, typ.Offset)}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		var field string
		if _, scanErr := fmt.Sscanf(name, "%q", &field); scanErr != nil {
			field = name
		}
		field = bulwark.Echo(field)
		msg := fmt.Sprintf("invalid JSON body: unknown field %q", field)
		if known := knownFields(dst); len(known) > 0 {
			msg += " (known fields: " + strings.Join(known, ", ") + ")"
		}
		return &bulwark.Error{Code: bulwark.EINVALID, Field: field, Message: msg, Err: err}
	}
	var inv *json.InvalidUnmarshalError
	if errors.As(err, &inv) {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "internal error")
	}
	return bulwark.Wrap(err, bulwark.EINVALID, "invalid JSON body")
}

// knownFields lists the JSON names of dst's struct fields, sorted; the
// fields of an embedded struct are listed as the fields they are in JSON.
func knownFields(dst any) []string {
	t := reflect.TypeOf(dst)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for _, f := range reflect.VisibleFields(t) {
		if name, ok := jsonName(f); ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// jsonName is the JSON key of struct field f; ok is false for fields
// encoding/json does not decode by name (unexported, "-", or an embedded
// struct whose fields are promoted).
func jsonName(f reflect.StructField) (string, bool) {
	tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch {
	case tag == "-":
		return "", false
	case f.Anonymous && tag == "" && indirect(f.Type).Kind() == reflect.Struct:
		return "", false
	case !f.IsExported():
		return "", false
	case tag == "":
		return f.Name, true
	}
	return tag, true
}

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonPath turns the path encoding/json reports for a type error
// ("NameQuery.limit": Go names for embedded structs) into the path of JSON
// keys the caller wrote ("limit").
func jsonPath(t reflect.Type, path string) string {
	var out []string
	for _, part := range strings.Split(path, ".") {
		for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			out = append(out, part)
			t = nil
			continue
		}
		if f, ok := t.FieldByName(part); ok && len(f.Index) == 1 {
			if _, named := jsonName(f); !named && f.Anonymous {
				t = f.Type // an embedded struct: no key of its own
				continue
			}
		}
		var next reflect.Type
		for _, f := range reflect.VisibleFields(t) {
			if name, ok := jsonName(f); ok && strings.EqualFold(name, part) {
				next = f.Type
				break
			}
		}
		out = append(out, part)
		t = next
	}
	return strings.Join(out, ".")
}

// jsonTypeName names the JSON type that decodes into t.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "a value"
}

// jsonKind names the JSON type that starts with byte c.
func jsonKind(c byte) string {
	switch {
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	default:
		return "number"
	}
}

// byteSize renders a byte count, exactly, in the largest binary unit that
// divides it ("1 MiB", "1536 bytes").
func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// badInput is an EINVALID error naming field, whose message is used as is
// (bulwark.Invalid would prefix the field name). String arguments are
// shortened as bulwark.Errorf shortens them.
func badInput(field, format string, args ...any) *bulwark.Error {
	return &bulwark.Error{Code: bulwark.EINVALID, Field: field, Message: bulwark.Sprintf(format, args...)}
}

// flatDecoder is a request type with a fast path for the common body: one
// object whose members are all plain strings. set stores member key's
// value and reports whether key is one of the type's own (exact) names;
// key points into the body, which is reused once decoding is done.
type flatDecoder interface {
	set(key []byte, value string) bool
}

// decodeFlat decodes data into f when it is one JSON object of distinct
// members, each a known key (as spelled in its json tag) with a string
// value free of escapes and control characters, and nothing after it but
// white space: exactly what encoding/json would decode the same way. For
// anything else it reports false, having possibly set some members, and
// the caller decodes data with encoding/json, which overwrites them and
// names any problem.
func decodeFlat(data []byte, f flatDecoder) bool {
	i := 0
	ws := func() {
		for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
			i++
		}
	}
	// str reads a string without escapes and returns its bytes, which
	// point into data.
	str := func() ([]byte, bool) {
		if i >= len(data) || data[i] != '"' {
			return nil, false
		}
		start := i + 1
		for j := start; j < len(data); j++ {
			switch c := data[j]; {
			case c == '"':
				i = j + 1
				return data[start:j], true
			case c == '\\' || c < 0x20:
				return nil, false
			}
		}
		return nil, false
	}
	ws()
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i++
	var seen [8][]byte
	n := 0
	for {
		ws()
		if n == 0 && i < len(data) && data[i] == '}' {
			i++
			break
		}
		key, ok := str()
		if !ok || n == len(seen) {
			return false
		}
		for _, k := range seen[:n] {
			if string(k) == string(key) {
				return false // a repeated member: let encoding/json decide
			}
		}
		seen[n] = key
		n++
		ws()
		if i >= len(data) || data[i] != ':' {
			return false
		}
		i++
		ws()
		val, ok := str()
		if !ok || !f.set(key, string(val)) {
			return false
		}
		ws()
		if i < len(data) && data[i] == ',' {
			i++
			continue
		}
		if i < len(data) && data[i] == '}' {
			i++
			break
		}
		return false
	}
	ws()
	return i == len(data)
}
