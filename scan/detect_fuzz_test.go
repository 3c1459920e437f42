package scan_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark/scan"
)

// checkFindings holds for every finding on any input: a line inside the
// file, text that cannot drive a terminal, bounded snippets and previews.
func checkFindings(t *testing.T, data []byte, got []scan.Finding) {
	t.Helper()
	lines := bytes.Count(data, []byte{'\n'}) + 1
	for _, g := range got {
		if g.Line < 0 || g.Line > lines {
			t.Fatalf("%s: line %d outside 0..%d", g.Rule, g.Line, lines)
		}
		for _, s := range []string{g.Snippet, g.Decoded} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\x1b\x07\r\n\u202e\u2066\u200b") {
				t.Fatalf("%s: unsafe text %q", g.Rule, s)
			}
			if utf8.RuneCountInString(s) > 400 {
				t.Fatalf("%s: text of %d runes", g.Rule, utf8.RuneCountInString(s))
			}
		}
	}
}

func addSeedFiles(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", "detect", n))
		if err == nil {
			f.Add(b)
		}
	}
}

var depPaths = []string{"package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "requirements.txt", "pyproject.toml"}

// FuzzParseDependencies: every manifest and lockfile parser on any input,
// without panicking, and the detector's findings well-formed.
func FuzzParseDependencies(f *testing.F) {
	addSeedFiles(f, "package-lock-v3.json", "package-lock-v1.json", "yarn-v1.lock", "yarn-berry.lock", "pnpm-lock-v9.yaml", "pnpm-lock-v6.yaml", "pyproject.toml")
	f.Add([]byte(`{"dependencies":{"lodahs":"github:a/b","@babell/core":"http://1.2.3.4/x.tgz"},"bundleDependencies":["x"]}`))
	f.Add([]byte("reqeusts==1\n-e git+https://h/x#egg=y\nname @ https://1.2.3.4/p.whl ; python_version>'3'\n"))
	f.Add([]byte(`{"dependencies":{"react-dom":"npm:react-plaid-sdk@1.0.0","x":"npm:@scope/y@^2","z":"npm:"}}`))
	d := scan.NewDependencyDetector(scan.BuiltinIOCs())
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range depPaths {
			deps := scan.ParseDependencies(p, data)
			for _, dep := range deps {
				if dep.Line < 0 {
					t.Fatalf("%s: negative line", p)
				}
			}
			checkFindings(t, data, d.Detect(&scan.File{Path: p, Data: data}))
		}
	})
}

// FuzzBlobDetector: the decoders (base64, hex, escapes, char codes) on
// any input.
func FuzzBlobDetector(f *testing.F) {
	f.Add([]byte("atob('aHR0cDovLzIxNi4yNTAuMjUxLjE4NzoxMjI0L2FwaS9jaGVja1N0YXR1cw==')"))
	f.Add([]byte(`"\x68\x74\x74\x70\x73\x3a\x2f\x2f\u{1F600}\u0041\x2f\x2f\x65\x76\x69\x6c"`))
	f.Add([]byte("String.fromCharCode(101,118,97,108,40,0x61,116,111,98,40,112,41,41) [104,116,116,112,58,47,47,49,46,50,46,51,46,52,58,49,50,50,52,47]"))
	f.Add([]byte("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="))
	f.Add([]byte("636f6e7374206370203d207265717569726528276368696c645f70726f6365737327293b2063702e6578656328276964272927"))
	d := scan.BlobDetector{}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFindings(t, data, d.Detect(&scan.File{Path: "src/a.js", Data: data}))
	})
}

// FuzzHiddenCode: the config tokeniser (strings, templates, comments,
// regular expressions, export ends) and the padding scan on any input.
func FuzzHiddenCode(f *testing.F) {
	f.Add([]byte("const config = { plugins: { tailwindcss: {} } };\nexport default config;\n" + strings.Repeat(" ", 160) + "eval(x)\n"))
	f.Add([]byte("module.exports = {\n content: [`./src/${a}/**`], re: /[}]/g, s: '}\\'', /* } */ }\nfunction f(){}\n"))
	f.Add([]byte("export default defineConfig({ a: (1 / 2) })\nrequire('child_process')"))
	f.Add([]byte("const r = 1;" + strings.Repeat("\t", 30) + strings.Repeat("\u00a0", 20) + "eval(atob(k));\n\t\t\u3000x"))
	d := scan.HiddenCodeDetector{}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFindings(t, data, d.Detect(&scan.File{Path: "postcss.config.mjs", Data: data}))
	})
}

// FuzzUnicodeDetector: any bytes, valid UTF-8 or not.
func FuzzUnicodeDetector(f *testing.F) {
	f.Add([]byte("/*\u202e } \u2066if (isAdmin)\u2069 */ const \u3164 = 1; '👨\u200d👩' \ufeff"))
	f.Add([]byte("'" + strings.Repeat("\ufe01\U000e0110", 9) + "' \xff\xfe می\u200cخواهم"))
	d := scan.UnicodeDetector{}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFindings(t, data, d.Detect(&scan.File{Path: "src/a.ts", Data: data}))
	})
}

// FuzzLoadIOCs: any CSV is loaded or refused with an error, and the
// loaded indicators match text without panicking.
func FuzzLoadIOCs(f *testing.F) {
	f.Add([]byte("type,value,port,context,family_or_campaign,confidence,source_id,source_ref\nipv4,1.2.3.4,,c2,X,high,S,ref\nurl,https://a.example/x,,u,X,low,S,same\nsha256,aa,,h,X,medium,S,same\n"), []byte("GET http://1.2.3.4:1224/ a.example/x"))
	f.Add([]byte("value,type\n\"x\n"), []byte(""))
	f.Fuzz(func(t *testing.T, csvData, text []byte) {
		iocs, err := scan.LoadIOCs(bytes.NewReader(csvData), "f.csv")
		if err != nil {
			if !strings.Contains(err.Error(), "f.csv") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		checkFindings(t, text, scan.NewIOCDetector(iocs, 1<<20).Detect(&scan.File{Path: "a.js", Data: text}))
	})
}

// FuzzJSFlow: the JavaScript lexer, folder and flow analysis on any
// input, without panicking or looping, and the findings well-formed.
func FuzzJSFlow(f *testing.F) {
	f.Add([]byte("const r = await axios.get(u)\neval (r.data)\n"))
	f.Add([]byte("globalThis['ev' + 'al'](atob('ZXZhbA=='))\n\\u0065val(x)\n"))
	f.Add([]byte("const cp = require(\"\\x63hild_process\"); `${a}${`${b}`}` /re[/]x/g.exec(s)\n"))
	f.Add([]byte("String.fromCharCode(99,104,105)\n['a','b'].join('')\n'x'.split('').reverse().join('')\n"))
	f.Add([]byte("const {exec: run} = await import('node:child_process'); io(u).on('c', m => run(m))"))
	f.Add([]byte("function f(){ return {...process.env} }\nfetch(u, {body: JSON.stringify(f())})\n/* unterminated"))
	f.Add([]byte("if (true) /\"/.test(\"x\"); https.get(u, r => { let b = ''; r.on('end', () => eval(b)) }); const q = \"/\";\n"))
	f.Add([]byte("label: { } /'/; o = {a: {}} /'/; for (;;) /`/; x = y ) /'/ ; '\\\r\n'\n"))
	d := scan.JSFlowDetector{}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFindings(t, data, d.Detect(&scan.File{Path: "x.js", Data: data}))
	})
}

// FuzzC2Ports: the indicator detector's host:port, joined-host and port
// variable checks on any input, without panicking.
func FuzzC2Ports(f *testing.F) {
	f.Add([]byte("'http://' + h + ':1244/keys'\nconst port = 1224; // 198.51.100.4\n"))
	f.Add([]byte(":1224':2245`}:8637/\"port\"=\"1244\"\n"))
	f.Add([]byte("x:1224"))
	d := scan.NewIOCDetector(scan.BuiltinIOCs(), 1<<20)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFindings(t, data, d.Detect(&scan.File{Path: "x.js", Data: data}))
	})
}
