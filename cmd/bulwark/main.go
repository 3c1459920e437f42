package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/cli"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := cli.NewMain(version, serve)
	code := m.Run(ctx, os.Args[1:])
	stop()
	if err := m.Close(); err != nil && code == 0 {
		fmt.Fprintf(os.Stderr, "bulwark: %s\n", bulwark.ErrorMessage(err))
		code = bulwark.ExitError
	}
	os.Exit(code)
}
