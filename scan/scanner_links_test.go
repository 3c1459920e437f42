package scan

import (
	"archive/tar"
	"context"
	"io/fs"
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// TestScanArchiveLinksAndTraversal: in an archive, a link at or to a
// file tools run by themselves is high (SYMLINK-AUTORUN), and a member
// whose name climbs out of the archive is high (ARCHIVE-PATH-TRAVERSAL),
// listed as not read, its content scanned under the name an extractor
// that drops the unsafe parts writes.
func TestScanArchiveLinksAndTraversal(t *testing.T) {
	t.Parallel()
	task := `{"version":"2.0.0","tasks":[{"label":"i","type":"shell","command":"node x.js","runOptions":{"runOn":"folderOpen"}}]}`
	tests := []struct {
		name, file string
		data       []byte
		want       []string // "RULE file"
	}{
		{"tar dir link", "t.tgz", gz(t, tarOf(t,
			ent{name: "package/editor/tasks.json", body: task},
			ent{name: "package/.vscode", typ: tar.TypeSymlink, link: "editor"})),
			[]string{"SYMLINK-AUTORUN package/.vscode"}},
		{"tar file link", "t.tgz", gz(t, tarOf(t,
			ent{name: "package/manifest.json", body: `{"scripts":{"postinstall":"node x.js"}}`},
			ent{name: "package/package.json", typ: tar.TypeSymlink, link: "manifest.json"})),
			[]string{"SYMLINK-AUTORUN package/package.json"}},
		{"tar hard link", "t.tar", tarOf(t,
			ent{name: "package/docs/tasks.txt", body: task},
			ent{name: "package/.vscode/tasks.json", typ: tar.TypeLink, link: "package/docs/tasks.txt"}),
			[]string{"SYMLINK-AUTORUN package/.vscode/tasks.json", "SCAN-INCOMPLETE package/.vscode/tasks.json"}},
		{"zip dir link", "z.zip", zipOf(t,
			ent{name: "editor/tasks.json", body: task},
			ent{name: ".vscode", link: "editor", mode: fs.ModeSymlink | 0o777}),
			[]string{"SYMLINK-AUTORUN .vscode"}},
		{"zip traversal", "z.zip", zipOf(t,
			ent{name: "package.json", body: `{"name":"x"}`},
			ent{name: "../../.bashrc", body: "echo hi"},
			ent{name: "/etc/cron.d/x", body: "x"},
			ent{name: "C:/Users/Public/x.bat", body: "x"},
			ent{name: "a/../../.vscode/tasks.json", body: task}),
			[]string{"ARCHIVE-PATH-TRAVERSAL ../../.bashrc", "ARCHIVE-PATH-TRAVERSAL /etc/cron.d/x",
				"ARCHIVE-PATH-TRAVERSAL C:/Users/Public/x.bat", "ARCHIVE-PATH-TRAVERSAL a/../../.vscode/tasks.json",
				"VSCODE-AUTORUN-TASK a/.vscode/tasks.json", "SCAN-INCOMPLETE ../../.bashrc"}},
	}
	s := defaultScanner(t, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := s.Scan(context.Background(), write(t, tc.file, tc.data))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				got = append(got, f.Rule+" "+f.File)
			}
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("%q not found in %q", w, got)
				}
			}
			if rep.Verdict != bulwark.VerdictBlock {
				t.Errorf("verdict %s, want block; %q", rep.Verdict, got)
			}
		})
	}
}
