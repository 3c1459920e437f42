package scan

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// JSFlowDetector follows JavaScript code from where data comes from to
// where it is run, through variables, callbacks and helper functions,
// after decoding escapes and folding constant strings — what a line
// pattern cannot do:
//
//   - JS-EXEC-FETCHED (critical): eval, new Function, vm or a
//     child_process call runs text that came from the network (a fetch,
//     axios, http.get, a socket message, a request body);
//   - JS-EXEC-DECODED (high, in vendored files too): the same sinks run
//     text decoded at run time (atob, Buffer.from(…, 'base64' or 'hex'),
//     String.fromCharCode, a decipher, inflate);
//   - JS-SINK-OBFUSCATED (high): eval, Function or child_process reached
//     through a name written to dodge a search: 'child_' + 'process',
//     "\x63hild_process", \u0065val, globalThis["ev" + "al"],
//     String.fromCharCode(…) or atob(…) of the name;
//   - JS-ENV-EXFIL-FLOW (critical): the whole process.env (spread,
//     JSON.stringify, Object.entries, a variable holding it) reaches a
//     network request or a socket.
//
// One-line forms the built-in rules JS-EVAL-REMOTE-RESPONSE and
// JS-ENV-SENT-OUT match are left to them. Plain `new Function(…)` and
// `(0, eval)('this')`, common in bundlers and code generators, are not
// reported unless fed by a fetch or a decoder.
type JSFlowDetector struct{}

// ID implements [Detector].
func (JSFlowDetector) ID() string { return "JS-FLOW" }

// Applies implements [Detector]: JavaScript and TypeScript files.
func (JSFlowDetector) Applies(p string) bool {
	switch ext(p) {
	case "js", "cjs", "mjs", "jsx", "ts", "tsx", "mts", "cts":
		return true
	}
	return false
}

// Bounds of the analysis of one file.
const (
	jsMaxTokens   = 600000
	jsMaxExpr     = 400 // tokens of an expression looked at
	jsMaxBindings = 8   // a name bound more often than this is not followed (minified code)
	jsMaxDepth    = 5
	jsMaxFinds    = 10
)

// Taint kinds.
const (
	taintNet = 1 << iota
	taintDec
	taintEnv
)

const srcJSFlow = "Socket (2025) HexEval/XORIndex loaders: eval of a C2 reply and of hex/base64-decoded code; NVISO and Unit42 on BeaverTail/OtterCookie: child_process exec of commands received over socket.io, process.env sent to C2"

var jsSinkNames = map[string]bool{
	"eval": true, "Function": true, "child_process": true, "node:child_process": true, "exec": true, "execSync": true,
	"spawn": true, "spawnSync": true, "execFile": true, "execFileSync": true, "require": true, "constructor": true,
}

var jsExecNames = map[string]bool{"exec": true, "execSync": true, "spawn": true, "spawnSync": true, "execFile": true, "execFileSync": true, "fork": true}

var jsGlobals = map[string]bool{"globalThis": true, "window": true, "global": true, "self": true, "this": true}

var jsNetCallees = map[string]bool{
	"fetch": true, "axios": true, "got": true, "needle": true, "superagent": true, "XMLHttpRequest": true, "ky": true,
	"WebSocket": true, "request": true, "io": true,
}

// ruleRegexes holds the regexes of the built-in rules whose one-line forms
// the detector leaves to them.
var ruleRegexes = sync.OnceValue(func() map[string]*regexp.Regexp {
	out := map[string]*regexp.Regexp{}
	rs, err := DefaultRules(nil)
	if err != nil {
		return out
	}
	for _, r := range rs.Rules {
		if r.ID == "JS-EVAL-REMOTE-RESPONSE" || r.ID == "JS-ENV-SENT-OUT" {
			out[r.ID] = r.re
		}
	}
	return out
})

// jsFlow is the analysis of one file.
type jsFlow struct {
	src  []byte
	toks []jsTok
	// bind maps a name to where its value comes from: the right side of
	// an assignment (start token; the expression ends at the statement's
	// end), a function's body, or for a callback's parameter the call
	// chain the callback is given to.
	bind map[string][]span
	memo map[string]int
	busy map[string]bool
	// cp: names bound to the child_process module; cpFuncs: names bound
	// to its functions.
	cp, cpFuncs map[string]bool
	cpUsed      bool
	// aliasMemo caches evalAlias.
	aliasMemo map[string]bool
	// netImports: names an import statement binds to a network module
	// (netModule) or to one of its functions (netFunc); netMemo caches
	// netBinding.
	netImports map[string]int
	netMemo    map[string]int
}

// span is a range of tokens; b < 0: it ends at the end of the statement
// starting at a. part: a name destructured from the value, one of its
// fields (a variable of the environment, not all of it).
type span struct {
	a, b int
	part bool
}

// Detect implements [Detector].
func (JSFlowDetector) Detect(f *File) []Finding {
	// A long file (a bundle) is followed in chunks, overlapping, so that
	// the tokens of one chunk bound the memory: a flow is followed within
	// a chunk.
	var out []Finding
	seen := map[ruleLine]bool{}
	for from := 0; from < len(f.Data); from += jsChunk - jsOverlap {
		to := min(from+jsChunk, len(f.Data))
		for _, x := range jsFlowChunk(f, from, to) {
			if k := (ruleLine{x.Rule, x.Line}); !seen[k] && len(out) < jsMaxFinds {
				seen[k] = true
				out = append(out, x)
			}
		}
		if to == len(f.Data) {
			break
		}
	}
	return out
}

// Chunks of a long file.
const (
	jsChunk   = 128 << 10
	jsOverlap = 8 << 10
)

func jsFlowChunk(f *File, from, to int) []Finding {
	buf := jsLex(f.Data[from:to], jsMaxTokens)
	defer buf.release()
	toks := buf.toks
	for i := range toks {
		toks[i].off += from
	}
	fl := &jsFlow{src: f.Data, toks: jsFold(toks), bind: map[string][]span{}, memo: map[string]int{},
		busy: map[string]bool{}, cp: map[string]bool{}, cpFuncs: map[string]bool{}}
	fl.bindings()
	for i, t := range fl.toks {
		if t.kind == 's' && isChildProcess(t.text) && fl.isI(i-1, "from") || t.kind == 'i' && (t.text == "require" || t.text == "import") && fl.cpRef(i) {
			fl.cpUsed = true
			break
		}
	}
	return fl.findings(f.Path)
}

func (fl *jsFlow) tok(i int) jsTok {
	if i < 0 || i >= len(fl.toks) {
		return jsTok{}
	}
	return fl.toks[i]
}

func (fl *jsFlow) isP(i int, p string) bool { return at(fl.toks, i, p) }

func (fl *jsFlow) isI(i int, s string) bool {
	t := fl.tok(i)
	return t.kind == 'i' && t.text == s
}

// member says whether toks[i] follows a dot (a property, not a variable).
func (fl *jsFlow) member(i int) bool { return fl.isP(i-1, ".") || fl.isP(i-1, "?.") }

// match returns the index of the bracket closing the one at i (or the
// last token).
func (fl *jsFlow) match(i int) int {
	d := 0
	for j := i; j < len(fl.toks); j++ {
		t := fl.toks[j]
		if t.kind != 'p' {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			d++
		case ")", "]", "}":
			d--
			if d == 0 {
				return j
			}
		}
	}
	return len(fl.toks) - 1
}

// stmtEnd returns the end (exclusive) of the expression starting at a:
// a ; or , at its depth, a bracket closing an outer one, or a new line
// starting a new statement; at most jsMaxExpr tokens.
func (fl *jsFlow) stmtEnd(a int) int {
	d := 0
	for j := a; j < len(fl.toks); j++ {
		if j-a >= jsMaxExpr {
			return j
		}
		t := fl.toks[j]
		if t.kind == 'p' {
			switch t.text {
			case "(", "[", "{":
				d++
			case ")", "]", "}":
				d--
				if d < 0 {
					return j
				}
			case ";", ",":
				if d == 0 {
					return j
				}
			}
			continue
		}
		if d == 0 && j > a && t.kind == 'i' && bytes.IndexByte(fl.src[fl.toks[j-1].off:t.off], '\n') >= 0 {
			if p := fl.toks[j-1]; p.kind != 'p' || p.text == ")" || p.text == "]" || p.text == "}" {
				return j
			}
		}
	}
	return len(fl.toks)
}

// chainStart returns the first token of the member/call chain ending at
// i (axios.post(u, d).then for the then at i).
func (fl *jsFlow) chainStart(i int) int {
	for n := 0; i > 0 && n < 200; n++ {
		p := fl.toks[i-1]
		switch {
		case p.kind == 'p' && (p.text == "." || p.text == "?."):
			i -= 2
			if i < 0 {
				return 0
			}
			t := fl.toks[i]
			if t.kind == 'p' && (t.text == ")" || t.text == "]") {
				i = fl.open(i)
				if i > 0 && fl.toks[i-1].kind == 'i' {
					i--
				}
			}
		case p.kind == 'i' && (p.text == "await" || p.text == "new"):
			i--
		default:
			return i
		}
	}
	return i
}

// open returns the index of the bracket opening the one closing at i.
func (fl *jsFlow) open(i int) int {
	d := 0
	for j := i; j >= 0 && i-j < 5000; j-- {
		t := fl.toks[j]
		if t.kind != 'p' {
			continue
		}
		switch t.text {
		case ")", "]", "}":
			d++
		case "(", "[", "{":
			d--
			if d == 0 {
				return j
			}
		}
	}
	return max(i, 0)
}

func (fl *jsFlow) addBind(name string, s span) {
	if len(fl.bind[name]) <= jsMaxBindings {
		fl.bind[name] = append(fl.bind[name], s)
	}
}

// bindings indexes where each name's value comes from, and the names of
// the child_process module and its functions.
func (fl *jsFlow) bindings() {
	toks := fl.toks
	var stack []int // open brackets
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case 'p':
			switch t.text {
			case "(", "[", "{":
				stack = append(stack, i)
			case ")", "]", "}":
				if len(stack) == 0 {
					continue
				}
				o := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				// a[k] = rhs: the array or object holds its elements.
				if toks[o].text == "[" && fl.isP(i+1, "=") && fl.valueEnd(o-1) {
					if r := fl.chainStart(o - 1); fl.tok(r).kind == 'i' && !fl.member(r) {
						fl.addBind(toks[r].text, span{a: i + 2, b: -1})
					}
					continue
				}
				// Destructuring: const {a, b: c} = rhs; [a, b] = rhs.
				if (toks[o].text == "{" || toks[o].text == "[") && fl.isP(i+1, "=") {
					for k := o + 1; k < i; k++ {
						if toks[k].kind == 'i' && !fl.member(k) && (fl.isP(k+1, ",") || fl.isP(k+1, "}") || fl.isP(k+1, "]") || fl.isP(k+1, "=")) {
							fl.addBind(toks[k].text, span{i + 2, -1, true})
						}
					}
				}
				// Parameters of a callback given to a call: (a, b) => or
				// function (a, b) {.
				if t.text == ")" && (fl.isP(i+1, "=>") || fl.isI(o-1, "function") || fl.isI(o-2, "function")) && len(stack) > 0 {
					fl.bindParams(o+1, i, stack[len(stack)-1])
				}
			}
		case 'i':
			if fl.member(i) {
				// o.code = body, o.a.b += c: the object holds what its
				// properties do.
				if fl.isP(i+1, "=") || fl.isP(i+1, "+=") {
					if r := fl.chainStart(i); fl.tok(r).kind == 'i' && r < i {
						fl.addBind(toks[r].text, span{a: i + 2, b: -1})
					}
				}
				// arr.push(c), arr.unshift(c): the array holds its elements.
				if (t.text == "push" || t.text == "unshift") && fl.isP(i+1, "(") && fl.tok(i-2).kind == 'i' && !fl.member(i-2) {
					fl.addBind(toks[i-2].text, span{a: i + 2, b: fl.match(i + 1)})
				}
				continue
			}
			switch {
			case fl.isP(i+1, "=>") && len(stack) > 0:
				fl.bindParams(i, i+1, stack[len(stack)-1])
			case fl.isP(i+1, "=") || fl.isP(i+1, "+="):
				fl.addBind(t.text, span{a: i + 2, b: -1})
			case t.text == "function" && toks[min(i+1, len(toks)-1)].kind == 'i' && fl.isP(i+2, "("):
				fl.addBind(toks[i+1].text, span{a: i, b: -1})
			case t.text == "import" && !fl.isP(i+1, "(") && !fl.isP(i+1, "."):
				fl.importStmt(i)
			}
		}
	}
}

// bindParams binds the names in toks[a:b] (a parameter list) to the call
// chain whose open parenthesis is at call, when it is a call.
func (fl *jsFlow) bindParams(a, b, call int) {
	if !fl.isP(call, "(") || call == 0 {
		return
	}
	c := fl.toks[call-1]
	if !(c.kind == 'i' && !jsRegexAfter[c.text] && c.text != "if" && c.text != "while" && c.text != "for" && c.text != "function" || c.kind == 'p' && (c.text == ")" || c.text == "]")) {
		return
	}
	chain := span{a: fl.chainStart(call - 1), b: call}
	for k := a; k < b; k++ {
		if fl.toks[k].kind == 'i' && !fl.member(k) && !fl.isP(k-1, "=") && !fl.isP(k-1, ":") {
			fl.addBind(fl.toks[k].text, chain)
		}
	}
}

// importStmt reads import x, * as y, {a as b} from 'child_process'.
func (fl *jsFlow) importStmt(i int) {
	j := i + 1
	for ; j < len(fl.toks) && j-i < 100; j++ {
		if fl.isI(j, "from") && fl.tok(j+1).kind == 's' {
			break
		}
		if fl.isP(j, ";") {
			return
		}
	}
	if m := jsNetModule(fl.tok(j + 1).text); m != 0 {
		fl.importNet(i, j, m)
		return
	}
	if !isChildProcess(fl.tok(j + 1).text) {
		return
	}
	fl.cpUsed = true
	inBraces := false
	for k := i + 1; k < j; k++ {
		t := fl.toks[k]
		switch {
		case t.kind == 'p' && t.text == "{":
			inBraces = true
		case t.kind == 'p' && t.text == "}":
			inBraces = false
		case t.kind == 'i' && t.text != "as" && t.text != "type" && !fl.isI(k+1, "as"):
			if inBraces {
				fl.cpFuncs[t.text] = true
			} else {
				fl.cp[t.text] = true
			}
		}
	}
}

// Network modules: what a binding to one of them is.
const (
	netCore   = 1 + iota // Node's module object (https, net): a request is a method call
	netClient            // a client library (axios, got, io): the module is called, or any of its methods
	netFunc              // a function of either: const { get } = require('https')
)

// jsNetModule says which network module a require or import specifier
// names: netCore for Node's core modules (a request is a method call:
// https.get, net.connect), netClient for client libraries (the module
// itself is called: axios(u), got(u), io(u)), 0 for none.
func jsNetModule(spec string) int {
	spec = strings.TrimPrefix(spec, "node:")
	switch spec {
	case "http", "https", "http2", "net", "tls":
		return netCore
	case "axios", "node-fetch", "undici", "got", "request", "request-promise", "request-promise-native", "superagent", "needle",
		"ky", "cross-fetch", "isomorphic-fetch", "make-fetch-happen", "phin", "bent", "socket.io-client", "ws", "isomorphic-ws", "ofetch":
		return netClient
	}
	return 0
}

// jsNetMethods are the methods of Node's network modules that open a
// request or a connection.
var jsNetMethods = map[string]bool{"get": true, "request": true, "connect": true, "createConnection": true, "fetch": true}

// importNet records the names import … from '<network module>' binds
// (toks[i] is import, toks[j] from).
func (fl *jsFlow) importNet(i, j, m int) {
	if fl.netImports == nil {
		fl.netImports = map[string]int{}
	}
	inBraces := false
	for k := i + 1; k < j; k++ {
		t := fl.toks[k]
		switch {
		case t.kind == 'p' && t.text == "{":
			inBraces = true
		case t.kind == 'p' && t.text == "}":
			inBraces = false
		case t.kind == 'i' && t.text != "as" && t.text != "type" && !fl.isI(k+1, "as"):
			if inBraces && t.text != "default" {
				fl.netImports[t.text] = netFunc
			} else {
				fl.netImports[t.text] = m
			}
		}
	}
}

// netRef returns the network module kind of require('…') or
// import('…') at i (see jsNetModule), and the index of its closing
// parenthesis.
func (fl *jsFlow) netRef(i int) (int, int) {
	if (fl.isI(i, "require") || fl.isI(i, "import")) && fl.isP(i+1, "(") && fl.tok(i+2).kind == 's' && fl.isP(i+3, ")") {
		return jsNetModule(fl.tok(i + 2).text), i + 3
	}
	return 0, 0
}

// netBinding says what name is bound to: a network module (netCore,
// netClient), one of its functions (netFunc) or neither (0). The module is known by
// what is loaded, never by the variable's name: const client =
// require('https'), const { get } = require('node:https'), const f =
// require('node-fetch'), import api from 'axios', import * as h from
// 'https', TypeScript's __importDefault(require('axios')).
func (fl *jsFlow) netBinding(name string) int {
	if k, ok := fl.netMemo[name]; ok {
		return k
	}
	k := fl.netImports[name]
	bs := fl.bind[name]
	if k == 0 && len(bs) <= jsMaxBindings {
		for _, s := range bs {
			if s.b >= 0 {
				continue // a callback's parameter
			}
			i := s.a
			if fl.isI(i, "await") {
				i++
			}
			if t := fl.tok(i); t.kind == 'i' && (t.text == "__importDefault" || t.text == "__importStar" || t.text == "_interopRequireDefault" || t.text == "_interopRequireWildcard") && fl.isP(i+1, "(") {
				i += 2
			}
			m, c := fl.netRef(i)
			if m == 0 || k != 0 {
				continue
			}
			switch {
			case s.part || fl.isP(c+1, ".") && jsNetMethods[fl.tok(c+2).text]:
				k = netFunc // destructured, or require('https').get
			default:
				k = m
			}
		}
	}
	if fl.netMemo == nil {
		fl.netMemo = map[string]int{}
	}
	fl.netMemo[name] = k
	return k
}

func isChildProcess(s string) bool { return s == "child_process" || s == "node:child_process" }

// constStr returns the string a name is bound to once, as its whole
// value (const C = 'child' + '_process'), and its token.
func (fl *jsFlow) constStr(name string) (jsTok, bool) {
	bs := fl.bind[name]
	if len(bs) != 1 || bs[0].b >= 0 || bs[0].part {
		return jsTok{}, false
	}
	a := bs[0].a
	if t := fl.tok(a); t.kind == 's' && fl.stmtEnd(a) == a+1 {
		return t, true
	}
	return jsTok{}, false
}

// strAt returns the string at toks[i]: a string literal or a name bound
// to one (constStr).
func (fl *jsFlow) strAt(i int) (jsTok, bool) {
	t := fl.tok(i)
	switch {
	case t.kind == 's':
		return t, true
	case t.kind == 'i' && !fl.member(i):
		return fl.constStr(t.text)
	}
	return jsTok{}, false
}

// cpRef says whether toks[i] loads child_process: require('…'),
// import('…'), with the name folded or escaped or not.
func (fl *jsFlow) cpRef(i int) bool {
	if !(fl.isI(i, "require") || fl.isI(i, "import")) || !fl.isP(i+1, "(") {
		return false
	}
	s, ok := fl.strAt(i + 2)
	return ok && isChildProcess(s.text)
}

// source returns the taint kinds of the token at i.
func (fl *jsFlow) source(i int) int {
	t := fl.toks[i]
	if t.kind == 's' {
		if t.decoded {
			return taintDec
		}
		return 0
	}
	if t.kind != 'i' {
		return 0
	}
	mem := fl.member(i)
	if !mem {
		// Bound to a network module, whatever the name.
		switch fl.netBinding(t.text) {
		case netCore:
			if fl.isP(i+1, ".") && jsNetMethods[fl.tok(i+2).text] {
				return taintNet
			}
		case netClient:
			if fl.isP(i+1, "(") || fl.isP(i+1, ".") {
				return taintNet
			}
		case netFunc:
			if fl.isP(i+1, "(") {
				return taintNet
			}
		}
		if m, c := fl.netRef(i); m != 0 && (m == netClient && (fl.isP(c+1, "(") || fl.isP(c+1, ".")) || fl.isP(c+1, ".") && jsNetMethods[fl.tok(c+2).text]) {
			return taintNet // require('https').get(…), require('axios').post(…)
		}
	}
	switch t.text {
	case "fetch", "axios", "got", "needle", "superagent", "XMLHttpRequest", "ky", "WebSocket":
		if !mem || jsGlobals[fl.tok(i-2).text] {
			return taintNet
		}
	case "request", "io":
		if !mem && (fl.isP(i+1, "(") || fl.isP(i+1, ".")) {
			return taintNet
		}
	case "http", "https":
		if !mem && fl.isP(i+1, ".") && (fl.isI(i+2, "get") || fl.isI(i+2, "request")) {
			return taintNet
		}
	case "net", "tls":
		if !mem && fl.isP(i+1, ".") && (fl.isI(i+2, "connect") || fl.isI(i+2, "createConnection")) {
			return taintNet
		}
	case "responseText", "responseBody":
		if mem {
			return taintNet
		}
	case "res", "resp", "response", "req":
		if !mem && fl.isP(i+1, ".") && (fl.isI(i+2, "data") || fl.isI(i+2, "body") || t.text != "req" && fl.isI(i+2, "text")) {
			return taintNet
		}
	case "atob", "createDecipheriv", "createDecipher", "inflateSync", "gunzipSync", "inflateRawSync", "brotliDecompressSync", "unzipSync":
		if fl.isP(i+1, "(") {
			return taintDec
		}
	case "fromCharCode":
		if mem {
			return taintDec
		}
	case "Buffer":
		if !mem && (fl.isP(i+1, ".") && fl.isI(i+2, "from") || fl.isI(i-1, "new")) {
			for k := i + 3; k < len(fl.toks) && k < i+40 && !fl.isP(k, ";"); k++ {
				if s := fl.toks[k]; s.kind == 's' && (s.text == "base64" || s.text == "hex" || s.text == "base64url") {
					return taintDec
				}
			}
		}
	case "process":
		if !mem && fl.isP(i+1, ".") && fl.isI(i+2, "env") && !fl.isP(i+3, ".") && !fl.isP(i+3, "?.") && !fl.isP(i+3, "[") &&
			!(fl.isP(i-1, "(") && fl.isI(i-2, "keys")) {
			return taintEnv
		}
	}
	return 0
}

// fnBody returns the braces of the block body of the function
// expression or declaration starting at a (async function f(x) {,
// (x) => {, x => {).
func (fl *jsFlow) fnBody(a int) (int, int, bool) {
	if fl.isI(a, "async") {
		a++
	}
	var params int
	switch {
	case fl.isI(a, "function"):
		params = a + 1
		if fl.tok(params).kind == 'i' {
			params++
		}
		if !fl.isP(params, "(") {
			return 0, 0, false
		}
		o := fl.match(params) + 1
		if !fl.isP(o, "{") {
			return 0, 0, false
		}
		return o, fl.match(o), true
	case fl.isP(a, "("):
		o := fl.match(a) + 1
		if fl.isP(o, "=>") && fl.isP(o+1, "{") {
			return o + 1, fl.match(o + 1), true
		}
	case fl.tok(a).kind == 'i' && fl.isP(a+1, "=>") && fl.isP(a+2, "{"):
		return a + 2, fl.match(a + 2), true
	}
	return 0, 0, false
}

// taint returns the taint kinds of the expression in toks[s.a:s.b]. A
// function's value is what it returns (its body's other statements do not
// count: a helper that downloads a file and returns its path does not
// return what it downloaded).
func (fl *jsFlow) taint(s span, depth int) int {
	if o, c, ok := fl.fnBody(s.a); ok {
		k, n := 0, 0
		for i := o + 1; i < c && n < 16; i++ {
			if fl.isI(i, "return") {
				n++
				k |= fl.taint(span{a: i + 1, b: -1}, depth)
			}
		}
		return k
	}
	b := s.b
	if b < 0 {
		b = fl.stmtEnd(s.a)
	}
	b = min(b, s.a+jsMaxExpr, len(fl.toks))
	k := 0
	for i := max(s.a, 0); i < b; i++ {
		if fl.isI(i, "JSON") && fl.isP(i+1, ".") && fl.isI(i+2, "stringify") && fl.isP(i+3, "(") {
			// Quoted as a JSON string: data, not code (still the
			// environment when it is sent).
			c := fl.match(i + 3)
			k |= fl.taint(span{a: i + 4, b: c}, depth) & taintEnv
			i = c
			continue
		}
		k |= fl.source(i)
		t := fl.toks[i]
		if t.kind != 'i' || fl.member(i) || fl.isP(i+1, ":") && !fl.isP(i-1, "?") || depth >= jsMaxDepth {
			continue
		}
		n := fl.nameTaint(t.text, depth+1)
		if n&taintEnv != 0 && (fl.isP(i+1, ".") || fl.isP(i+1, "?.") || fl.isP(i+1, "[")) {
			n &^= taintEnv // one variable of the environment, not all of it
		}
		k |= n
	}
	return k
}

// nameTaint returns the taint kinds of the values bound to name.
func (fl *jsFlow) nameTaint(name string, depth int) int {
	if k, ok := fl.memo[name]; ok {
		return k
	}
	bs := fl.bind[name]
	if len(bs) == 0 || len(bs) > jsMaxBindings || fl.busy[name] {
		return 0
	}
	fl.busy[name] = true
	k := 0
	for _, s := range bs {
		n := fl.taint(s, depth)
		if s.part {
			n &^= taintEnv
		}
		k |= n
	}
	delete(fl.busy, name)
	fl.memo[name] = k
	return k
}

// cpBound says whether name is bound to child_process or one of its
// functions.
func (fl *jsFlow) cpBound(name string) bool {
	if fl.cp[name] || fl.cpFuncs[name] {
		return true
	}
	bs := fl.bind[name]
	if len(bs) > jsMaxBindings {
		return false
	}
	if len(bs) == 0 && fl.cpUsed && jsExecNames[name] {
		return true // exec( after child_process was loaded in a form the index does not follow
	}
	for _, s := range bs {
		b := s.b
		if b < 0 {
			b = fl.stmtEnd(s.a)
		}
		for i := s.a; i < min(b, s.a+40, len(fl.toks)); i++ {
			if fl.cpRef(i) || fl.isI(i, "child_process") || fl.tok(i).kind == 'i' && fl.cp[fl.tok(i).text] && i == s.a {
				return true
			}
		}
	}
	return false
}

// fnArg says whether the expression at i is, or may be, a function (an
// arrow function, a function expression, a lone name).
func (fl *jsFlow) fnArg(i int) bool {
	if _, _, ok := fl.fnBody(i); ok {
		return true
	}
	e := fl.stmtEnd(i)
	for k := i; k < e; k++ {
		if fl.isP(k, "=>") || fl.isI(k, "function") {
			return true
		}
	}
	// A lone name is taken for a function (setTimeout(resolve, 10)):
	// what is evaluated is a string expression or a property.
	return fl.tok(i).kind == 'i' && e == i+1
}

// evalAlias says whether name is bound to eval or Function (const run =
// globalThis["ev" + "al"]; const e = eval; const F =
// [].constructor.constructor; Object.getPrototypeOf(async function
// () {}).constructor).
func (fl *jsFlow) evalAlias(name string) bool {
	bs := fl.bind[name]
	if len(bs) == 0 || len(bs) > jsMaxBindings {
		return false
	}
	if v, ok := fl.aliasMemo[name]; ok {
		return v
	}
	v := fl.evalAlias1(bs)
	if fl.aliasMemo == nil {
		fl.aliasMemo = map[string]bool{}
	}
	fl.aliasMemo[name] = v
	return v
}

func (fl *jsFlow) evalAlias1(bs []span) bool {
	for _, s := range bs {
		i := s.a
		if s.b >= 0 || s.part {
			continue
		}
		if e := fl.stmtEnd(i); e-i < 40 && fl.isI(e-1, "constructor") && fl.member(e-1) &&
			(fl.isI(e-3, "constructor") && fl.member(e-3) || slices.ContainsFunc(fl.toks[i:e], func(t jsTok) bool { return t.kind == 'i' && t.text == "function" })) {
			return true // the Function (or AsyncFunction) constructor reached through a prototype
		}
		if fl.isP(i, "(") && fl.tok(i+1).kind == 'n' && fl.isP(i+2, ",") { // (0, eval)
			i += 3
		}
		if jsGlobals[fl.tok(i).text] && (fl.isP(i+1, ".") || fl.isP(i+1, "[")) {
			i += 2
		}
		if t := fl.tok(i); (t.text == "eval" || t.text == "Function") && !fl.isP(i+1, "(") && !fl.isP(i+1, ".") {
			return true
		}
	}
	return false
}

// shellDownloader matches a shell command that downloads and runs: curl
// or wget piped into a shell or an interpreter, PowerShell's download
// cradles.
var shellDownloader = regexp.MustCompile(`(?i)\b(curl|wget|iwr|invoke-webrequest|invoke-restmethod|irm)\b[^|;&\n]*(\||&&|;)\s*(sudo\s+)?(sh|bash|zsh|dash|python3?|node|iex|invoke-expression|powershell|pwsh)\b|\b(iex|invoke-expression)\b.{0,200}\b(iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b|downloadstring\(`)

// downloads says whether the strings in toks[s.a:s.b] (joined, with the
// strings of the names they use) are a shell command that downloads and
// runs.
func (fl *jsFlow) downloads(s span) bool {
	var b []byte
	for i := s.a; i < min(s.b, s.a+jsMaxExpr, len(fl.toks)); i++ {
		t := fl.toks[i]
		switch {
		case t.kind == 's' || t.kind == 't':
			b = append(append(b, t.text...), ' ')
		case t.kind == 'i' && !fl.member(i):
			for _, bs := range fl.bind[t.text] {
				if bs.part || bs.b >= 0 {
					continue
				}
				for j := bs.a; j < min(fl.stmtEnd(bs.a), bs.a+64); j++ {
					if u := fl.toks[j]; u.kind == 's' || u.kind == 't' {
						b = append(append(b, u.text...), ' ')
					}
				}
			}
		}
	}
	return len(b) > 0 && shellDownloader.Match(b)
}

// valueEnd says whether toks[i] ends a value (so that a [ after it is a
// member access).
func (fl *jsFlow) valueEnd(i int) bool {
	t := fl.tok(i)
	return t.kind == 'i' && !jsRegexAfter[t.text] || t.kind == 's' || t.kind == 'p' && (t.text == ")" || t.text == "]")
}

// sink is a call that runs code or a command, or sends data out.
type sink struct {
	at   int    // the token naming it (for the line)
	open int    // its argument list's open parenthesis
	what string // eval, Function, vm, exec, send
	// in: what it runs when that is not its argument list (b > 0):
	// the promise chain of .then(eval).
	in span
}

func (fl *jsFlow) findings(p string) []Finding {
	var out []Finding
	var sinks []sink
	obf := map[int]string{} // token index -> what was obfuscated
	toks := fl.toks
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case 's':
			if isChildProcess(t.text) && (fl.cpRef(i-2) || fl.isI(i-1, "from")) {
				fl.cpUsed = true
				if t.folded || t.esc {
					obf[i] = "the module name child_process"
				}
			}
			// x["ev" + "al"], globalThis["eval"] (a member, not an
			// object literal's computed key)
			if fl.isP(i-1, "[") && fl.isP(i+1, "]") && !fl.isP(i+2, ":") && jsSinkNames[t.text] && fl.valueEnd(i-2) && (t.folded || t.esc || jsGlobals[fl.tok(i-2).text] && (t.text == "eval" || t.text == "Function")) {
				obf[i] = t.text
				if fl.isP(i+2, "(") && (t.text == "eval" || t.text == "Function" || t.text == "constructor") {
					sinks = append(sinks, sink{at: i, open: i + 2, what: "eval"})
				}
			}
		case 'i':
			mem := fl.member(i)
			if t.esc && jsSinkNames[t.text] {
				obf[i] = t.text
			}
			if (t.text == "require" || t.text == "import") && fl.cpRef(i) {
				fl.cpUsed = true
				if c := fl.tok(i + 2); c.kind == 'i' {
					if s, _ := fl.constStr(c.text); s.folded || s.esc {
						obf[i+2] = "the module name child_process"
					}
				}
			}
			// .then(eval), .then(Function), .then(run) for run = eval:
			// the promise's value is run.
			if !mem && fl.isP(i-1, "(") && fl.isP(i+1, ")") && fl.isI(i-2, "then") && fl.member(i-2) &&
				(t.text == "eval" || t.text == "Function" || fl.evalAlias(t.text)) {
				sinks = append(sinks, sink{at: i, open: i - 1, what: "eval", in: span{a: fl.chainStart(i - 2), b: i - 3}})
			}
			switch t.text {
			case "Reflect":
				// Reflect.apply(eval, null, [code]), Reflect.construct(Function, [code])
				if !mem && fl.isP(i+1, ".") && (fl.isI(i+2, "apply") || fl.isI(i+2, "construct")) && fl.isP(i+3, "(") {
					if f := fl.tok(i + 4); f.kind == 'i' && (f.text == "eval" || f.text == "Function" || fl.evalAlias(f.text)) {
						sinks = append(sinks, sink{at: i, open: i + 3, what: "eval"})
					}
				}
			case "Worker":
				// new Worker(code, { eval: true })
				if fl.isP(i+1, "(") && (fl.isI(i-1, "new") || mem && fl.isI(i-3, "new")) {
					c := fl.match(i + 1)
					for k := i + 2; k < c; k++ {
						if fl.isI(k, "eval") && fl.isP(k+1, ":") && fl.isI(k+2, "true") {
							sinks = append(sinks, sink{at: i, open: i + 1, what: "eval"})
							break
						}
					}
				}
			case "import":
				// import(specifier computed at run time): a data: URL of
				// fetched code.
				if !mem && fl.isP(i+1, "(") && !(fl.tok(i+2).kind == 's' && fl.isP(i+3, ")")) {
					sinks = append(sinks, sink{at: i, open: i + 1, what: "eval"})
				}
			case "setTimeout", "setInterval", "setImmediate":
				// setTimeout(string): the string is evaluated.
				if (!mem || jsGlobals[fl.tok(i-2).text] && !fl.isI(i-2, "this")) && fl.isP(i+1, "(") && !fl.isP(fl.match(i+1)+1, "{") && !fl.fnArg(i+2) {
					sinks = append(sinks, sink{at: i, open: i + 1, what: "eval", in: span{a: i + 2, b: fl.stmtEnd(i + 2)}})
				}
			}
			switch t.text {
			case "eval":
				if mem && !jsGlobals[fl.tok(i-2).text] {
					continue
				}
				switch {
				case fl.isP(i+1, "("):
					sinks = append(sinks, sink{at: i, open: i + 1, what: "eval"})
				case fl.isP(i+1, ")") && fl.isP(i+2, "(") && fl.isP(i-1, ","): // (0, eval)(x)
					sinks = append(sinks, sink{at: i, open: i + 2, what: "eval"})
				case fl.isP(i+1, ".") && (fl.isI(i+2, "call") || fl.isI(i+2, "apply")) && fl.isP(i+3, "("):
					sinks = append(sinks, sink{at: i, open: i + 3, what: "eval"})
				}
			case "Function":
				if !mem && fl.isP(i+1, "(") {
					sinks = append(sinks, sink{at: i, open: i + 1, what: "Function"})
				}
			case "constructor":
				if mem && fl.isP(i+1, "(") {
					sinks = append(sinks, sink{at: i, open: i + 1, what: "Function"})
				}
			case "runInThisContext", "runInNewContext", "runInContext", "compileFunction", "_compile":
				if fl.isP(i+1, "(") {
					sinks = append(sinks, sink{at: i, open: i + 1, what: "vm"})
				}
			case "Script":
				if fl.isP(i+1, "(") && (fl.isI(i-1, "new") || mem && fl.isI(i-3, "new")) {
					sinks = append(sinks, sink{at: i, open: i + 1, what: "vm"})
				}
			}
			if !mem && fl.isP(i+1, "(") && fl.evalAlias(t.text) {
				sinks = append(sinks, sink{at: i, open: i + 1, what: "eval"})
			}
			if fl.cpUsed && fl.isP(i+1, "(") && (jsExecNames[t.text] || !mem) {
				switch {
				case mem && fl.isP(i-2, ")") && fl.cpRef(fl.open(i-2)-1):
					sinks = append(sinks, sink{at: i, open: i + 1, what: "exec"})
				case mem && toks[i-2].kind == 'i' && !fl.member(i-2) && fl.cpBound(toks[i-2].text):
					sinks = append(sinks, sink{at: i, open: i + 1, what: "exec"})
				case !mem && fl.cpBound(t.text):
					sinks = append(sinks, sink{at: i, open: i + 1, what: "exec"})
				}
			}
			// Sending data out.
			if fl.isP(i+1, "(") && (!mem && (jsNetCallees[t.text] && t.text != "io") ||
				mem && !fl.isI(i-2, "stdout") && !fl.isI(i-2, "stderr") && !fl.isI(i-2, "console") && (t.text == "post" || t.text == "put" || t.text == "patch" || t.text == "write" || t.text == "send" || t.text == "emit" || t.text == "end" || t.text == "sendBeacon" || t.text == "request")) {
				sinks = append(sinks, sink{at: i, open: i + 1, what: "send"})
			}
		}
	}
	li := lineIndex{data: fl.src}
	re := ruleRegexes()
	seen := map[int]bool{}
	for _, s := range sinks {
		if len(out) >= jsMaxFinds {
			break
		}
		args := span{a: s.open + 1, b: fl.match(s.open)}
		k := 0
		if s.in.b > 0 {
			k = fl.taint(s.in, 0)
		} else {
			k = fl.taint(args, 0)
		}
		off := toks[s.at].off
		line := li.line(off)
		// The lines of the call, which a rule may have matched already.
		end := len(fl.src)
		if args.b < len(toks) {
			end = toks[args.b].off
		}
		from := max(0, off-1024)
		from += bytes.LastIndexByte(fl.src[from:off], '\n') + 1
		text := fl.src[from:min(max(end, off), off+4096)]
		var rule string
		var sev Severity
		var why string
		switch {
		case s.what == "send":
			if k&taintEnv == 0 {
				continue
			}
			if r := re["JS-ENV-SENT-OUT"]; r != nil && r.Match(text) {
				continue
			}
			rule, sev = "JS-ENV-EXFIL-FLOW", SeverityCritical
			why = "The whole environment (process.env: API keys, tokens, cloud and wallet credentials) is gathered and sent in a network request or over a socket, through a variable or a helper so that no single line shows it. This is the first thing the loaders of fake coding tests do when the app starts. If you ran it, rotate every secret that was set in that shell."
		case k&taintNet != 0:
			if r := re["JS-EVAL-REMOTE-RESPONSE"]; r != nil && r.Match(text) {
				continue
			}
			rule, sev = "JS-EXEC-FETCHED", SeverityCritical
			why = "Text received from the network is run as code or as a shell command (" + sinkWords(s.what) + "), through a variable or a callback so that no single line shows it. The payload is not in the repository: whatever the attacker's server sends when the app starts runs on your machine. This is how BeaverTail, OtterCookie and the HexEval loaders of fake interviews work."
		case s.what == "exec" && fl.downloads(args):
			rule, sev = "JS-EXEC-FETCHED", SeverityCritical
			why = "A shell command downloads a script or a program and runs it (curl or wget piped into sh, bash or python; PowerShell's iwr piped into iex), started through child_process. What runs is fetched from the attacker's server when the code runs, never shown in the repository: this is how BeaverTail fetches InvisibleFerret and its Python runtime."
		case k&taintDec != 0 && s.what != "send":
			// High wherever it is: node_modules/, dist/ and *.min.js in
			// an untrusted repository are the sender's to choose (a
			// committed node_modules shadows the registry's copy).
			rule, sev = "JS-EXEC-DECODED", SeverityHigh
			why = "Text decoded at run time (base64, hex, char codes, a decipher or inflate) is run as code or as a shell command (" + sinkWords(s.what) + "). Encoding hides what runs from a reader and from a search: a take-home project has no reason to run code it does not show."
		default:
			continue
		}
		if seen[line] {
			continue
		}
		seen[line] = true
		out = append(out, Finding{Rule: rule, Severity: sev, File: p, Line: line, Snippet: safeText(windowText(fl.src, off, off+len(toks[s.at].text)), maxSnippet),
			Explanation: why, Source: srcJSFlow})
	}
	idx := make([]int, 0, len(obf))
	for i := range obf {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		what := obf[i]
		if len(out) >= jsMaxFinds {
			break
		}
		off := toks[i].off
		line := li.line(off)
		if seen[-line] {
			continue
		}
		seen[-line] = true
		out = append(out, Finding{Rule: "JS-SINK-OBFUSCATED", Severity: SeverityHigh, File: p, Line: line,
			Snippet:     safeText(windowText(fl.src, off, off+1), maxSnippet),
			Explanation: "The code reaches " + what + " through a name spelled to dodge a search (joined pieces, escapes, char codes, base64 or a computed property). Honest code writes eval, Function or child_process plainly; a loader hides them so that a reviewer searching the project for them finds nothing.",
			Source:      srcJSFlow})
	}
	sortFindings(out)
	return out
}

func sinkWords(what string) string {
	switch what {
	case "eval":
		return "eval"
	case "Function":
		return "new Function"
	case "vm":
		return "the vm module"
	case "exec":
		return "child_process"
	}
	return what
}

// sortFindings orders findings by line, then rule.
func sortFindings(out []Finding) {
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].Line < out[j-1].Line || out[j].Line == out[j-1].Line && out[j].Rule < out[j-1].Rule); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
}
