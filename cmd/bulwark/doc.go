// Command bulwark is Bulwark's single binary: the API server and every
// command-line tool. This package only starts the program; the command
// line (commands, flags → BULWARK_* environment → config file, output)
// is package cli. See 'bulwark --help'.
//
// Exit codes: 0 ok/clear, 1 error, 2 review, 3 block/reject/critical.
package main
