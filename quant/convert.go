package quant

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/arch"
)

// ConvertOptions configures Convert. The zero value converts to F32 and
// names the model after its folder.
type ConvertOptions struct {
	// Type is the GGUF type of the 2-D weights: gguf.TypeF32 (the zero
	// value), gguf.TypeF16 or gguf.TypeBF16. The 1-D norms are always F32.
	Type gguf.Type
	// Name is general.name. Empty means the base name of the source folder.
	Name string
	// ContextLength, when positive, replaces the context length of the
	// source (max_position_embeddings of config.json; max_seq_len of
	// params.json, or DefaultContextLength when it has none).
	ContextLength int
	// Progress, when not nil, is called after each tensor is written, from
	// the goroutine that called Convert.
	Progress func(Progress)
	// Logger receives a line per assumption made about the source (defaults
	// of params.json) and one at the end. Nil means no logging.
	Logger *slog.Logger
}

// Progress reports how far a conversion is.
type Progress struct {
	Tensor     string // GGUF name of the tensor just written
	Tensors    int    // tensors written so far
	Total      int    // tensors to write
	Bytes      int64  // bytes of source data converted so far
	TotalBytes int64  // bytes of source data to convert
}

// ConvertResult describes a finished conversion.
type ConvertResult struct {
	Path        string      // the GGUF file written
	Layout      Layout      // the layout of the source folder
	Params      arch.Params // the model's hyper-parameters
	Type        gguf.Type   // the type of the 2-D weights
	Tensors     int         // number of tensors written
	InputBytes  int64       // bytes of source tensor data read
	OutputBytes int64       // size of the GGUF file
}

// Convert converts the Mistral model in the folder src, in the Hugging Face
// layout (config.json, safetensors, sharded or not, tokenizer.model) or in
// Mistral's consolidated layout (params.json, consolidated.safetensors,
// tokenizer.model), to the GGUF file dst: architecture "llama", the standard
// tensor names, Q and K rows permuted for GGML's RoPE where the layout needs
// it, the hyper-parameters, the tokenizer and a chat template.
//
// It streams tensor by tensor from the memory-mapped source, so its memory
// stays near the size of the largest tensor. It writes a temporary file in
// dst's folder and renames it to dst only when everything succeeded: on an
// error, or when ctx is cancelled (checked while the folder is read and
// checked, and between tensors and chunks of rows while it is written), no
// file is left behind. It refuses to write over one of its input files; any other file at
// dst is replaced.
//
// The folder is not trusted: see the package documentation for what is
// checked before any data is read. Errors are *ConfigError (a
// configuration that is not Mistral's wraps ErrNotMistral; one whose
// hyper-parameters are out of range, or that claims layers the files do not
// hold, names the field), *TensorError (a tensor missing, unexpected, of
// another type or shape than the configuration implies, naming the
// hyper-parameters concerned), *safetensors.FormatError for a malformed
// safetensors file or index, errors naming a file that is not a regular file
// or is larger than such a file can be, errors wrapping fs.ErrNotExist for
// missing files, or ctx.Err().
func Convert(ctx context.Context, src, dst string, opts ConvertOptions) (*ConvertResult, error) {
	fileType, ok := fileTypes[opts.Type]
	if !ok {
		return nil, fmt.Errorf("quant: convert: output type %v (want F32, F16 or BF16): %w", opts.Type, ErrUnsupported)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if info, err := os.Stat(dst); err == nil && info.IsDir() {
		return nil, fmt.Errorf("quant: convert: %s: %w", dst, errIsDir)
	}
	s, err := openSource(ctx, src)
	if err != nil {
		return nil, err
	}
	defer s.close()
	if in, same := sameFile(dst, s.inputs); same {
		return nil, fmt.Errorf("quant: convert: refusing to overwrite the input file %s", in)
	}
	if opts.ContextLength > 0 {
		s.params.ContextLength = opts.ContextLength
	}
	name := opts.Name
	if name == "" {
		abs, err := filepath.Abs(src)
		if err != nil {
			return nil, fmt.Errorf("quant: convert: %w", err)
		}
		name = filepath.Base(abs)
	}
	if opts.Logger != nil {
		for _, n := range s.notes {
			opts.Logger.Info("quant: convert: " + n)
		}
	}

	res := &ConvertResult{Path: dst, Layout: s.layout, Params: s.params, Type: opts.Type, Tensors: len(s.tensors)}
	out, err := createAtomic(dst)
	if err != nil {
		return nil, err
	}
	defer out.Abort()
	if err := s.write(ctx, out, s.metadata(name, fileType), opts, res); err != nil {
		return nil, err
	}
	if err := out.Commit(ctx); err != nil {
		return nil, err
	}
	if info, err := os.Stat(dst); err == nil {
		res.OutputBytes = info.Size()
	}
	if opts.Logger != nil {
		opts.Logger.Info("quant: converted", "src", src, "dst", dst, "layout", s.layout.String(),
			"type", opts.Type.String(), "tensors", res.Tensors, "input_bytes", res.InputBytes, "output_bytes", res.OutputBytes)
	}
	return res, nil
}

// write writes the GGUF file to out: the header, then each tensor converted
// to its output type.
func (s *source) write(ctx context.Context, out *atomicFile, kv []gguf.KV, opts ConvertOptions, res *ConvertResult) error {
	infos := make([]gguf.TensorInfo, len(s.tensors))
	var total int64
	for i, t := range s.tensors {
		infos[i] = gguf.TensorInfo{Name: t.name, Type: t.outputType(opts.Type), Shape: t.shape}
		total += t.src.Size()
	}
	w, err := gguf.NewWriter(out, kv, infos, gguf.WriterOptions{})
	if err != nil {
		return fmt.Errorf("quant: convert: %w", err)
	}
	var buf []byte
	for i := range s.tensors {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := &s.tensors[i]
		data, err := t.data(ctx, infos[i].Type, buf)
		if err != nil {
			return err
		}
		if err := w.WriteTensor(t.name, data); err != nil {
			return fmt.Errorf("quant: convert: %w", err)
		}
		if !t.sharesSource(data) && cap(data) > cap(buf) {
			buf = data // keep the largest conversion buffer for reuse
		}
		t.src.Release()
		res.InputBytes += t.src.Size()
		if opts.Progress != nil {
			opts.Progress(Progress{Tensor: t.name, Tensors: i + 1, Total: len(s.tensors), Bytes: res.InputBytes, TotalBytes: total})
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("quant: convert: %w", err)
	}
	return nil
}
