// Package scan inspects an untrusted repository — a "coding test" sent by
// a recruiter, an npm package, a VS Code project — for the traps of the
// Contagious Interview playbook before a developer opens or installs it:
// install-time and open-time execution (npm lifecycle scripts, VS Code
// tasks, devcontainers, git hooks), loaders that evaluate fetched code,
// environment exfiltration, encoded and hidden payloads, Trojan Source
// Unicode, known indicators, and malicious or typosquatted dependencies.
//
// Scanning is static: nothing it reads is executed, installed or
// evaluated. Directories, tarballs and zip files are walked with limits on
// sizes, counts, compression ratios and nesting, never following a path or
// link out of the tree. Rules are data (a documented YAML rule file, the
// user's own added with --rules); what a pattern cannot express is a
// [Detector] written in Go. This package imports none of the adapters.
package scan
