package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/gguf"
	"github.com/gomistral/gomistral/internal/synth"
)

func synthCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	types := fs.String("types", "Q4_0", "types to write (comma-separated)")
	shape := fs.String("shape", "7b", "7b or 7b-4layers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sh := synth.Mistral7B
	if *shape == "7b-4layers" {
		sh = synth.Mistral7BWidth4
	}
	for _, name := range strings.Split(*types, ",") {
		path, err := synthFile(ctx, sh, name, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, path)
	}
	return nil
}

// synthFile returns the cached synthetic model of a type name.
func synthFile(ctx context.Context, sh synth.Shape, name string, stderr io.Writer) (string, error) {
	typ, err := typeByName(name)
	if err != nil {
		return "", err
	}
	last := -1
	return synth.File(ctx, sh, typ, func(done, total int64) {
		if pct := int(100 * done / total); pct/10 != last/10 {
			last = pct
			fmt.Fprintf(stderr, "\rwriting synthetic %s %s: %d%%", sh.Name, name, pct)
			if done == total {
				fmt.Fprintln(stderr)
			}
		}
	})
}

func typeByName(name string) (ggml.Type, error) {
	for _, t := range gguf.Types() {
		if strings.EqualFold(t.String(), name) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown type %q", name)
}
