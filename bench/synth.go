package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/internal/synth"
	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/quant"
)

func synthCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	types := fs.String("types", "Q4_0", "types to write (comma-separated)")
	shape := fs.String("shape", "7b", "7b or 7b-4layers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	paths, _, err := modelsToMeasure(ctx, "", *types, *shape, stderr)
	for _, path := range paths {
		fmt.Fprintln(stdout, path)
	}
	return err
}

// synthFile returns the cached synthetic model of a type name: a file type
// users know (Q4_K_M, Q4_0, ...: the mixture quant writes, output matrix in
// Q6_K and all) or a plain GGML type (every matrix of that type).
func synthFile(ctx context.Context, sh arch.Params, name string, stderr io.Writer) (string, error) {
	var ts synth.Types
	if ft, err := quant.ParseFileType(name); err == nil {
		ts = synth.Types{Label: ft.String(), TypeOf: func(tensor string, rowLen int64) ggml.Type {
			return ft.TensorType(tensor, rowLen, sh.Layers, sh.Group(), true)
		}}
	} else {
		typ, err := typeByName(name)
		if err != nil {
			return "", err
		}
		ts = synth.Uniform(typ)
		ts.Label = "all-" + ts.Label
	}
	last := -1
	return synth.File(ctx, sh, ts, func(done, total int64) {
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

func shapeByName(name string) (arch.Params, error) {
	switch name {
	case "7b":
		return synth.Mistral7B, nil
	case "7b-4layers":
		return synth.Mistral7BWidth4, nil
	}
	return arch.Params{}, fmt.Errorf("unknown shape %q (7b or 7b-4layers)", name)
}

// fileParams reads the hyper-parameters of a model file.
func fileParams(path string) (arch.Params, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return arch.Params{}, err
	}
	defer f.Close()
	p, err := arch.ReadGGUF(f.File)
	if err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
