package quant

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// QuantizeOptions configures Quantize. The zero value writes F32 weights
// and keeps the source's name.
type QuantizeOptions struct {
	// Type is the named quantisation to write (FileTypeQ4_K_M, ...). The
	// zero value is FileTypeF32.
	Type FileType
	// Name, when not empty, replaces general.name. Empty keeps the GGUF
	// source's name, or names a folder's model after the folder.
	Name string
	// ContextLength, when positive, replaces the context length of the
	// source: see ConvertOptions.ContextLength for a folder; for a GGUF
	// file, it replaces llama.context_length.
	ContextLength int
	// Threads is the number of goroutines that quantise rows. Zero means
	// GOMAXPROCS.
	Threads int
	// Progress, when not nil, is called once before the first tensor (with
	// Tensors 0 and the totals, for a progress bar to start) and after each
	// tensor is written, from the goroutine that called Quantize. Bytes
	// count source tensor data.
	Progress func(Progress)
	// Logger receives the assumptions made about the source, a warning
	// when the source is already quantised, a line per fallback type, and
	// one at the end. Nil means no logging.
	Logger *slog.Logger
}

// TensorSummary describes one tensor of a quantised file.
type TensorSummary struct {
	Name     string
	Shape    []int64   // GGML order: Shape[0] is the row length
	From     gguf.Type // the type in the source
	Type     gguf.Type // the type written
	Bytes    int64     // size of its data in the output
	Fallback bool      // the mixture's type did not fit the row length: Type is its fallback
}

// Elements returns the number of elements of the tensor.
func (t TensorSummary) Elements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// QuantizeResult describes a finished quantisation.
type QuantizeResult struct {
	Path        string          // the GGUF file written
	Layout      Layout          // the source's layout (LayoutGGUF for a GGUF file)
	Type        FileType        // the named quantisation written
	Tensors     []TensorSummary // in the order of the file
	InputBytes  int64           // bytes of source tensor data read
	OutputBytes int64           // size of the GGUF file
	// Requantized is true when some source tensors were quantised already
	// and had to be dequantised to be written in another type.
	Requantized bool
}

// TensorBytes returns the size of the tensor data written.
func (r *QuantizeResult) TensorBytes() int64 {
	var n int64
	for _, t := range r.Tensors {
		n += t.Bytes
	}
	return n
}

// Elements returns the number of weights written.
func (r *QuantizeResult) Elements() int64 {
	var n int64
	for _, t := range r.Tensors {
		n += t.Elements()
	}
	return n
}

// BitsPerWeight returns the tensor data written per weight, in bits
// (metadata excluded).
func (r *QuantizeResult) BitsPerWeight() float64 {
	if n := r.Elements(); n > 0 {
		return 8 * float64(r.TensorBytes()) / float64(n)
	}
	return 0
}

// Quantize writes the model src as the GGUF file dst in the named
// quantisation opts.Type. src is a GGUF file of architecture llama or
// mistral, or a model folder in the Hugging Face or consolidated layout
// (see Convert), converted and quantised in one pass.
//
// Each 2-D weight gets the type the mixture rules of opts.Type give it (see
// mixture.go: Q4_K_M puts output.weight in Q6_K, some attn_v and ffn_down
// in Q6_K, the rest in Q4_K, as llama.cpp does); the 1-D norms are written
// in F32. A tensor whose rows are not a multiple of the chosen type's block
// (256 for the K types) falls back to a type of 32-element blocks of about
// the same size (Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0, Q2_K and Q3_K to
// IQ4_NL), or to F16 when its rows are not a multiple of 32 either; its
// TensorSummary says so. general.file_type is set to opts.Type's number and
// general.quantization_version to 2.
//
// A source tensor already in its output type is copied as it is. Any other
// quantised source tensor is dequantised to float32 and quantised again:
// the errors of both quantisations add up, so quantise from F16, BF16 or
// F32 weights when you have them. QuantizeResult.Requantized reports it,
// and the Logger is warned.
//
// The rows of each tensor are quantised by opts.Threads goroutines with
// GGML's quantisers (without an importance matrix). Quantize streams: its
// memory stays near the output size of the largest tensor. It writes a
// temporary file in dst's folder, renamed to dst only when everything
// succeeded: on an error, or when ctx is cancelled (checked while the
// source is read and checked, while the tensors' types are planned, and
// between chunks of rows while they are written), no file is left behind.
// It refuses to write over its input; any other file at dst is replaced.
//
// Errors are those of Convert for a folder, errors of package gguf for a
// malformed GGUF file, an *arch.ParamError for a GGUF file whose
// hyper-parameters cannot be right, errors wrapping ErrUnsupported for an
// invalid type, ErrNotMistral for a GGUF file of another architecture,
// *TensorError for a tensor that cannot be decoded or holds non-finite
// values, or ctx.Err().
func Quantize(ctx context.Context, src, dst string, opts QuantizeOptions) (*QuantizeResult, error) {
	if !opts.Type.Valid() {
		return nil, fmt.Errorf("quant: quantize: unknown quantisation type %v: %w", opts.Type, ErrUnsupported)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if info, err := os.Stat(dst); err == nil && info.IsDir() {
		return nil, fmt.Errorf("quant: quantize: %s: %w", dst, errIsDir)
	}
	in, err := openInput(ctx, src, &opts)
	if err != nil {
		return nil, err
	}
	defer in.close()
	if path, same := sameFile(dst, in.inputs); same {
		return nil, fmt.Errorf("quant: quantize: refusing to overwrite the input file %s", path)
	}
	if opts.Logger != nil {
		for _, n := range in.notes {
			opts.Logger.Info("quant: " + n)
		}
	}

	res, infos, requantized, err := plan(ctx, in, &opts)
	if err != nil {
		return nil, err
	}
	res.Path = dst
	if len(requantized) > 0 {
		res.Requantized = true
		if opts.Logger != nil {
			opts.Logger.Warn("quant: the source is quantised already: its tensors are dequantised and quantised again, "+
				"which adds the errors of both quantisations; quantise from F16, BF16 or F32 weights when you can",
				"tensors", len(requantized), "first", requantized[0])
		}
	}

	out, err := createAtomic(dst)
	if err != nil {
		return nil, err
	}
	defer out.Abort()
	if err := writeQuantized(ctx, out, in, withFileType(in.kv, opts.Type), infos, &opts, res); err != nil {
		return nil, err
	}
	if err := out.Commit(ctx); err != nil {
		return nil, err
	}
	if info, err := os.Stat(dst); err == nil {
		res.OutputBytes = info.Size()
	}
	if opts.Logger != nil {
		opts.Logger.Info("quant: quantized", "src", src, "dst", dst, "type", opts.Type.String(),
			"tensors", len(res.Tensors), "input_bytes", res.InputBytes, "output_bytes", res.OutputBytes,
			"bits_per_weight", fmt.Sprintf("%.2f", res.BitsPerWeight()))
	}
	return res, nil
}

// plan decides the type of each tensor of in, and returns the result to
// fill, the tensor infos to write, and the names of the quantised source
// tensors that must be dequantised.
func plan(ctx context.Context, in *input, opts *QuantizeOptions) (*QuantizeResult, []gguf.TensorInfo, []string, error) {
	res := &QuantizeResult{Layout: in.layout, Type: opts.Type}
	infos := make([]gguf.TensorInfo, len(in.tensors))
	var requantized []string
	for i := range in.tensors {
		if i%planCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, nil, err
			}
		}
		t := &in.tensors[i]
		sum := TensorSummary{Name: t.name, Shape: t.shape, From: t.typ, Type: t.typ}
		switch {
		case len(t.shape) == 1:
			sum.Type = gguf.TypeF32
		case t.quantizable():
			sum.Type, sum.Fallback = opts.Type.tensorType(t.name, t.shape[0], in.model)
		}
		if sum.Type != t.typ && quantizedType(t.typ) {
			requantized = append(requantized, t.name)
		}
		var err error
		if sum.Bytes, err = sum.Type.RowBytes(t.elements()); err != nil {
			return nil, nil, nil, fmt.Errorf("quant: quantize: tensor %s: %w", t.name, err)
		}
		res.Tensors = append(res.Tensors, sum)
		infos[i] = gguf.TensorInfo{Name: t.name, Type: sum.Type, Shape: t.shape}
		if sum.Fallback && opts.Logger != nil {
			opts.Logger.Info("quant: fallback type: rows too short for the mixture's type", "tensor", t.name,
				"row_length", t.shape[0], "type", sum.Type.String())
		}
	}
	return res, infos, requantized, nil
}

// quantizationVersion is GGML's GGML_QNT_VERSION, the layout version of its
// quantised blocks, written to general.quantization_version.
const quantizationVersion = 2

// withFileType returns kv with general.file_type set to ft's number and
// general.quantization_version to 2: replaced where kv has them, else
// inserted after general.file_type, or appended.
func withFileType(kv []gguf.KV, ft FileType) []gguf.KV {
	kv = slices.DeleteFunc(slices.Clone(kv), func(p gguf.KV) bool { return p.Key == keyQuantizationVersion })
	version := gguf.KV{Key: keyQuantizationVersion, Value: gguf.Uint32(quantizationVersion)}
	fileType := gguf.KV{Key: keyFileType, Value: gguf.Uint32(uint32(ft))}
	if i := slices.IndexFunc(kv, func(p gguf.KV) bool { return p.Key == keyFileType }); i >= 0 {
		kv[i] = fileType
		return slices.Insert(kv, i+1, version)
	}
	return append(kv, fileType, version)
}

// writeQuantized writes the GGUF file to out: the header, then each tensor
// in its output type.
func writeQuantized(ctx context.Context, out *atomicFile, in *input, kv []gguf.KV, infos []gguf.TensorInfo, opts *QuantizeOptions, res *QuantizeResult) error {
	w, err := gguf.NewWriter(out, kv, infos, gguf.WriterOptions{})
	if err != nil {
		return fmt.Errorf("quant: quantize: %w", err)
	}
	workers := opts.Threads
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	enc := newRowEncoder(workers)
	var total int64
	for i := range in.tensors {
		total += int64(len(in.tensors[i].data))
	}
	if opts.Progress != nil {
		opts.Progress(Progress{Total: len(in.tensors), TotalBytes: total})
	}
	var buf []byte // the output of the largest tensor so far, reused
	for i := range in.tensors {
		if err := ctx.Err(); err != nil {
			return err
		}
		t, typ := &in.tensors[i], infos[i].Type
		var data []byte
		if typ == t.typ && t.rowOf == nil {
			data = t.data // unchanged: straight from the mapping
		} else {
			size := int(res.Tensors[i].Bytes)
			if cap(buf) < size {
				buf = make([]byte, size)
			}
			data = buf[:size]
			if err := enc.encode(ctx, t, typ, data); err != nil {
				return err
			}
		}
		if err := w.WriteTensor(t.name, data); err != nil {
			return fmt.Errorf("quant: quantize: %w", err)
		}
		if t.release != nil {
			t.release()
		}
		res.InputBytes += int64(len(t.data))
		if opts.Progress != nil {
			opts.Progress(Progress{Tensor: t.name, Tensors: i + 1, Total: len(in.tensors), Bytes: res.InputBytes, TotalBytes: total})
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("quant: quantize: %w", err)
	}
	return nil
}
