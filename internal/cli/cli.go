// Package cli holds what the programs of examples/ and bench share: the
// main function's signals and exit status, the -model flag that falls back
// to the shipped model, and the sampling flags.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Main runs a program and exits as Exit does. run gets the command-line
// arguments (without the program's name), the standard streams, and a
// context that SIGINT (Ctrl-C) and SIGTERM cancel.
func Main(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	Exit(name, err)
}

// Exit ends the program with err, what its run function returned: status 0
// when err is nil or flag.ErrHelp (the user asked for the usage, which the
// flag set printed), else status 1 after "name: err" on standard error.
func Exit(name string, err error) {
	os.Exit(report(os.Stderr, name, err))
}

// report writes err for the user, as Exit does, and returns the status.
func report(stderr io.Writer, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return 1
}
