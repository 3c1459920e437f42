package scan

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// Rule ids of the findings the scanner makes from the tree's paths and
// links, across files.
const (
	// RulePathCaseCollision: two paths that differ only in case, which a
	// case-insensitive file system (macOS, Windows) makes one file.
	RulePathCaseCollision = "PATH-CASE-COLLISION"
	// RuleSymlinkSensitive: a symbolic link to credentials, a browser
	// profile, a wallet or a system folder.
	RuleSymlinkSensitive = "SYMLINK-SENSITIVE-TARGET"
	// RuleSymlinkOutside: a symbolic link to a place outside the tree.
	RuleSymlinkOutside = "SYMLINK-OUTSIDE-TREE"
	// RuleSymlinkAutorun: a link inside the tree whose own path, or
	// whose target, is a file or folder tools read or run by themselves.
	RuleSymlinkAutorun = "SYMLINK-AUTORUN"
	// RuleWindowsAlias: a path Windows writes as another name (trailing
	// dots or spaces, an ::$DATA stream, an 8.3 short name).
	RuleWindowsAlias = "WINDOWS-NAME-ALIAS"
	// RuleArchivePathTraversal: an archive member whose name climbs out
	// of the archive, is absolute or has a drive letter.
	RuleArchivePathTraversal = "ARCHIVE-PATH-TRAVERSAL"
)

// autorunLinkFinding returns the finding for a link (a symbolic link, or
// a tar hard link) inside the tree whose own path or whose target is one
// autoRunPath names, a file or folder itself (.vscode, package.json):
// VS Code, npm and git read through links, so a link there decides what
// runs while the files a reviewer reads are elsewhere.
func autorunLinkFinding(f *File) (Finding, bool) {
	if f.Mode&fs.ModeSymlink == 0 || f.Link == "" {
		return Finding{}, false
	}
	inner := f.Path
	if i := strings.LastIndex(inner, "!/"); i >= 0 {
		inner = inner[i+2:]
	}
	target := strings.ReplaceAll(f.Link, `\`, "/")
	lt := FoldPath(target)
	if strings.HasPrefix(lt, "/") || len(lt) > 1 && lt[1] == ':' || strings.HasPrefix(lt, "~") {
		return Finding{}, false // outside: linkFinding reports it
	}
	rel := path.Clean(path.Join(path.Dir(FoldPath(inner)), lt))
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return Finding{}, false
	}
	own := FoldPath(inner)
	if !autoRunPath(own) && !autoRunPath(own+"/") && !autoRunPath(rel) && !autoRunPath(rel+"/") {
		return Finding{}, false
	}
	return Finding{
		Rule: RuleSymlinkAutorun, Severity: SeverityHigh, File: SafePath(f.Path),
		Snippet: sanitize(SafePath(inner)+" -> "+SafePath(f.Link), 2*MaxSnippetChars),
		Explanation: "A link inside the project where tools look for files they read or run by themselves (.vscode/, .devcontainer/, .git/, package.json, .npmrc, build configs), " +
			"or pointing at one. VS Code, npm and git read through links, so what runs is the file the link leads to, " +
			"while a reviewer or a web view sees only a link, or the same file under an ordinary name. A project has no reason to do this. " +
			"Bulwark scans the target's content under the link's name when it is inside the tree; read it before opening or installing anything.",
	}, true
}

// traversalFinding returns the finding for an archive member listed as
// unread with UnreadUnsafeName.
func traversalFinding(u Unread) Finding {
	return Finding{
		Rule: RuleArchivePathTraversal, Severity: SeverityHigh, File: sanitize(u.Path, 300),
		Snippet: sanitize(u.Detail, 2*MaxSnippetChars),
		Explanation: "An archive member whose name climbs out of the folder it is unpacked in (\"../\"), is absolute or starts with a drive letter. " +
			"No legitimate archive needs that: unpacking it with a careless extractor writes outside the folder (your shell profile, a startup folder), " +
			"and others drop the unsafe parts and write it inside the project. Bulwark never writes it; its content is scanned under the name with those parts dropped. " +
			"Do not unpack this archive.",
	}
}

// caseCollision returns the finding for f when an earlier file of the
// scan has the same path but for case (FoldPath): on macOS and Windows
// only one of the two exists once the tree is checked out or unpacked,
// so the file an editor, npm or git opens there may not be the one a
// reviewer read. seen maps folded paths to the first path seen.
func caseCollision(seen map[string]string, f *File) (Finding, bool) {
	fp := FoldPath(f.Path)
	first, ok := seen[fp]
	if !ok {
		seen[fp] = f.Path
		return Finding{}, false
	}
	if first == f.Path {
		return Finding{}, false
	}
	sev := SeverityMedium
	if autoRunPath(fp) {
		sev = SeverityHigh
	}
	return Finding{
		Rule: RulePathCaseCollision, Severity: sev, File: SafePath(f.Path),
		Snippet: sanitize(SafePath(first)+" and "+SafePath(f.Path), 2*MaxSnippetChars),
		Explanation: "Two files whose paths differ only in upper and lower case. On macOS and Windows the file system ignores case, " +
			"so only one of them exists once the project is cloned or unpacked, and which one depends on the order they are written: " +
			"the file your editor, npm or git opens there may not be the one you or a reviewer on Linux (or a web view) read. " +
			"Read both; a real project has no reason to ship both.",
	}, true
}

// autoRunPath says whether fp, a folded path, names a file a tool reads
// or runs by itself on install, on opening the folder or on a build: a
// case collision there decides what runs.
func autoRunPath(fp string) bool {
	if i := strings.LastIndex(fp, "!/"); i >= 0 {
		fp = fp[i+2:]
	}
	for _, dir := range []string{".vscode/", ".devcontainer/", ".git/", ".github/", ".husky/", ".githooks/", ".idea/"} {
		if strings.HasPrefix(fp, dir) || strings.Contains(fp, "/"+dir) {
			return true
		}
	}
	b := path.Base(fp)
	switch b {
	case "package.json", ".npmrc", ".yarnrc", ".yarnrc.yml", "binding.gyp", "setup.py", "setup.cfg", "pyproject.toml",
		"makefile", "devcontainer.json", ".devcontainer.json", "lefthook.yml", ".pre-commit-config.yaml", ".gitattributes", ".gitmodules":
		return true
	}
	return strings.HasSuffix(b, ".code-workspace") || strings.Contains(b, ".config.") || strings.HasPrefix(b, ".eslintrc") ||
		strings.HasPrefix(b, ".babelrc")
}

// sensitiveTargets are parts of a link target (folded, slash-separated)
// that name credentials, a browser profile, a wallet or a system folder.
var sensitiveTargets = []string{
	// credentials and shell state in the home folder
	".ssh", ".aws", ".gnupg", ".kube", ".docker", ".azure", ".config/gcloud", ".npmrc", ".pypirc", ".netrc",
	".git-credentials", ".gitconfig", ".bash_history", ".zsh_history", ".bashrc", ".zshrc", ".profile",
	"id_rsa", "id_ed25519", "id_ecdsa", "keychains", "keychain",
	// browser profiles
	"google/chrome", "google-chrome", "chromium", "bravesoftware", "mozilla", "firefox", "microsoft/edge",
	"microsoft edge", "opera software", "vivaldi", "library/cookies", "login data", "cookies.sqlite",
	// wallets
	"wallet", "exodus", "electrum", ".bitcoin", ".ethereum", "atomic", "solana", "metamask", "phantom",
	"keystore", "nkbihfbeogaeaoehlefnkodbefgpgknn", "bfnaelmomeimhlpmgjnjophhpkkoljpa",
	// Windows profile folders
	"appdata/", "application data",
}

// systemRoots are absolute folders a project has no reason to link to.
var systemRoots = []string{"/etc", "/private/etc", "/root", "/proc", "/sys", "/dev", "/var/run", "/run", "/boot", "/usr/local/etc", "/library", "/system"}

// linkFinding returns the finding for a symbolic link whose target is
// sensitive (credentials, a browser profile, a wallet, a system folder,
// a home folder) or outside the tree. The link is never followed: what
// is reported is the target as written.
func linkFinding(f *File) (Finding, bool) {
	if f.Mode&fs.ModeSymlink == 0 || f.Link == "" {
		return Finding{}, false
	}
	target := strings.ReplaceAll(f.Link, `\`, "/")
	lt := FoldPath(target)
	inner := f.Path
	if i := strings.LastIndex(inner, "!/"); i >= 0 {
		inner = inner[i+2:]
	}
	home := strings.HasPrefix(lt, "~") || strings.HasPrefix(lt, "$home") || strings.HasPrefix(lt, "${home}") ||
		strings.HasPrefix(lt, "%userprofile%") || strings.HasPrefix(lt, "%appdata%") || strings.HasPrefix(lt, "%localappdata%") ||
		strings.HasPrefix(lt, "/home/") || strings.HasPrefix(lt, "/users/") || len(lt) > 2 && lt[1] == ':' && strings.HasPrefix(lt[2:], "/users/")
	abs := strings.HasPrefix(lt, "/") || len(lt) > 1 && lt[1] == ':' || home
	outside := abs
	if !abs {
		rel := path.Clean(path.Join(path.Dir(inner), target))
		outside = rel == ".." || strings.HasPrefix(rel, "../")
	}
	sensitive := home
	for _, s := range sensitiveTargets {
		if strings.Contains(lt, s) {
			sensitive = true
			break
		}
	}
	if abs {
		clean := path.Clean(lt)
		for _, r := range systemRoots {
			if clean == r || strings.HasPrefix(clean, r+"/") {
				sensitive = true
				break
			}
		}
	}
	if !sensitive && !outside {
		return Finding{}, false
	}
	x := Finding{
		File:    SafePath(f.Path),
		Snippet: sanitize(SafePath(inner)+" -> "+SafePath(f.Link), 2*MaxSnippetChars),
	}
	if sensitive && (outside || home) {
		x.Rule, x.Severity = RuleSymlinkSensitive, SeverityHigh
		x.Explanation = "A link in the project (a symbolic link, or a hard link in an archive) points at your credentials, a browser profile, a wallet or a system folder: " +
			"no project needs that. Whatever follows links — a dev server serving the folder, a build or packing step, an upload, " +
			"an editor's search or an AI assistant reading the project — reads the target through it and can send it out, " +
			"and a script writing through it overwrites your files. Bulwark never follows it. Delete the link before opening or running anything."
		return x, true
	}
	if !outside {
		// A name like "wallet" inside the tree is the project's own file.
		return Finding{}, false
	}
	x.Rule, x.Severity = RuleSymlinkOutside, SeverityMedium
	x.Explanation = "A link in the project (a symbolic link, or a hard link in an archive) points outside it. A clone or an unpacked archive carrying such a link lets any tool " +
		"that follows links read or write there: a project has no reason to reach out of its own folder. Bulwark never follows it. " +
		"Check where it points and delete it."
	return x, true
}

// shortNameAliases are the first letters of folders and files tools read
// by themselves, as an 8.3 short name (VSCODE~1, PACKAG~1.JSO) starts.
var shortNameAliases = []string{"vscode", "devcon", "git", "github", "husky", "githoo", "idea", "packag", "npmrc", "yarnrc", "bindin", "setup", "pyproj"}

// shortName matches an 8.3 short name (VSCODE~1, PACKAG~1.JSO), folded.
var shortName = regexp.MustCompile(`^[^.~ ]{1,6}~[0-9]{1,6}(\.[^.~ ]{1,3})?$`)

// windowsAlias returns the finding for f when a part of its path is a
// name Windows turns into another one: trailing dots or spaces (dropped),
// a "::$DATA" stream suffix (the file itself) or an 8.3 short name
// (VSCODE~1). Unpacked or checked out on Windows, ".vscode./tasks.json"
// is .vscode\tasks.json, which a reviewer elsewhere does not see as one.
// High when the name Windows makes is one tools read by themselves, or a
// short name that may stand for one; medium otherwise.
func windowsAlias(f *File) (Finding, bool) {
	inner := f.Path
	if i := strings.LastIndex(inner, "!/"); i >= 0 {
		inner = inner[i+2:]
	}
	parts := strings.Split(FoldPath(inner), "/")
	alias, short := false, false
	for i, e := range parts {
		n := e
		if j := strings.Index(n, "::$"); j >= 0 {
			n = n[:j]
		} else if j := strings.Index(n, ":"); j > 0 && strings.HasSuffix(n, ":$data") {
			n = n[:j]
		}
		n = strings.TrimRight(n, ". ")
		if n != e && n != "" && e != "." && e != ".." {
			alias = true
			parts[i] = n
		}
		if shortName.MatchString(e) {
			k := strings.Index(e, "~")
			alias = true
			for _, a := range shortNameAliases {
				if strings.HasPrefix(e, a[:min(len(a), k)]) {
					short = true
				}
			}
		}
	}
	if !alias {
		return Finding{}, false
	}
	norm := strings.Join(parts, "/")
	sev := SeverityMedium
	if short || autoRunPath(norm) {
		sev = SeverityHigh
	}
	return Finding{
		Rule: RuleWindowsAlias, Severity: sev, File: SafePath(f.Path),
		Snippet: sanitize(SafePath(inner)+" -> "+SafePath(norm), 2*MaxSnippetChars),
		Explanation: "A file name that Windows writes as another name: trailing dots and spaces are dropped, \"::$DATA\" names the file itself, " +
			"and a name like VSCODE~1 is the short form of a longer one. Unpacked or checked out on Windows, this file becomes the one on the right " +
			"(for example .vscode\\tasks.json, which VS Code runs), while tools on Linux or macOS, and a reviewer, see an unrelated name. " +
			"A real project has no reason for such names; read the file as if it had the Windows name.",
	}, true
}
