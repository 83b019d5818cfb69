package quant

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/mistral/tokenizer"
	"github.com/gomistral/gomistral/quant/internal/bounded"
	"github.com/gomistral/gomistral/quant/safetensors"
)

// Files of a model folder.
const (
	hfConfigName           = "config.json"
	consolidatedParamsName = "params.json"
	consolidatedName       = "consolidated.safetensors"
	tokenizerName          = "tokenizer.model"
)

// source is a model folder opened for conversion: its parameters, tokenizer
// and tensors, checked against one another.
type source struct {
	dir       string
	layout    Layout
	params    arch.Params
	tokenizer *tokenizer.Tokenizer
	tensors   []sourceTensor // in the order they are written
	config    string         // config.json or params.json
	inputs    []string       // every file read, for the overwrite check
	notes     []string       // assumptions made, for the log
	set       *safetensors.Set
}

// Bounds of a model folder's files, against hostile folders: far above
// what any Mistral model's need, far below what would strain a machine.
const (
	// maxConfigSize bounds config.json and params.json (Mistral's are under
	// 1 KB).
	maxConfigSize = 1 << 20
	// maxTokenizerSize bounds tokenizer.model (Mistral's are under 600 KB).
	maxTokenizerSize = 16 << 20
	// maxTensors bounds the tensors of a folder: those of a model of
	// arch.MaxLayers layers, and a RoPE buffer per layer.
	maxTensors = arch.MaxLayers*(1+9) + 3
	// maxHeaderSize bounds the header of each safetensors file: a
	// megabyte, and a kilobyte per tensor it may hold (Mistral 7B's shards
	// have headers of about 100 bytes per tensor).
	maxHeaderSize = 1<<20 + maxTensors<<10
)

// folderLimits bound what opening a folder's safetensors files may cost.
var folderLimits = safetensors.Limits{MaxHeaderSize: maxHeaderSize, MaxTensors: maxTensors}

// openSource opens the model in dir: the Hugging Face layout when it has a
// config.json, else the consolidated layout when it has a params.json. A
// folder with both (Mistral's Hugging Face repositories ship both) is read in
// the Hugging Face layout unless only consolidated.safetensors holds weights.
//
// Nothing the folder claims is trusted before it is checked against what its
// files hold: the configuration is bounded and validated, the safetensors
// headers and index are bounded (folderLimits), the layers the
// configuration claims must be in the files, the tokenizer's pieces are
// counted before they are read, and every tensor's shape is compared with
// the configuration's before any data is touched. ctx is checked between
// these stages and in their loops.
func openSource(ctx context.Context, dir string) (*source, error) {
	s := &source{dir: dir}
	hasHF := exists(filepath.Join(dir, hfConfigName))
	hasConsolidated := exists(filepath.Join(dir, consolidatedParamsName))
	hfWeights := exists(filepath.Join(dir, safetensors.IndexName)) || exists(filepath.Join(dir, "model.safetensors"))
	var err error
	switch {
	case hasHF && (hfWeights || !hasConsolidated):
		s.layout = LayoutHuggingFace
		s.config = filepath.Join(dir, hfConfigName)
		s.inputs = append(s.inputs, s.config)
		if s.params, err = readHFConfig(s.config); err != nil {
			return nil, err
		}
		if exists(filepath.Join(dir, safetensors.IndexName)) {
			s.inputs = append(s.inputs, filepath.Join(dir, safetensors.IndexName))
		}
		s.set, err = folderLimits.OpenDir(ctx, dir)
	case hasConsolidated:
		s.layout = LayoutConsolidated
		s.config = filepath.Join(dir, consolidatedParamsName)
		s.inputs = append(s.inputs, s.config)
		if s.params, s.notes, err = readConsolidatedParams(s.config); err != nil {
			return nil, err
		}
		s.set, err = folderLimits.OpenFiles(ctx, filepath.Join(dir, consolidatedName))
	default:
		return nil, fmt.Errorf("quant: %s: no %s (Hugging Face) or %s (Mistral consolidated): %w",
			dir, hfConfigName, consolidatedParamsName, fs.ErrNotExist)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("quant: %w", err)
	}
	for _, f := range s.set.Files() {
		s.inputs = append(s.inputs, f.Path)
	}
	for _, step := range []func() error{s.checkLayers, s.loadTokenizer, func() error { return s.planTensors(ctx) }} {
		if err := ctx.Err(); err != nil {
			s.close()
			return nil, err
		}
		if err := step(); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// checkLayers checks that the files hold every layer the configuration
// claims, before anything is planned for them.
func (s *source) checkLayers() error {
	f := s.layout.format()
	last := -1
	for _, t := range s.set.Tensors() {
		if _, layer := arch.RoleOfSource(f, t.Name); layer > last {
			last = layer
		}
	}
	if last+1 >= s.params.Layers {
		return nil
	}
	held := "no layer"
	if last >= 0 {
		held = fmt.Sprintf("layers 0 to %d only", last)
	}
	return &ConfigError{File: s.config, Field: arch.ParamLayers.Name(f),
		Reason: fmt.Sprintf("%d layers, but the safetensors files hold %s", s.params.Layers, held)}
}

// loadTokenizer reads the SentencePiece model of the folder: tokenizer.model,
// or else the folder's only tokenizer.model.* (Mistral ships
// tokenizer.model.v3). Its pieces are counted, and compared with the
// vocabulary, before they are read.
func (s *source) loadTokenizer() error {
	path := filepath.Join(s.dir, tokenizerName)
	if !exists(path) {
		matches, _ := filepath.Glob(filepath.Join(s.dir, tokenizerName+".*"))
		if len(matches) != 1 {
			return fmt.Errorf("quant: %s: no %s (a SentencePiece model): %w", s.dir, tokenizerName, fs.ErrNotExist)
		}
		path = matches[0]
	}
	s.inputs = append(s.inputs, path)
	b, err := bounded.ReadFile(path, maxTokenizerSize)
	if err != nil {
		return fmt.Errorf("quant: %w", err)
	}
	if n, ok := countPieces(b); ok && n != s.params.Vocab {
		return fmt.Errorf("quant: %s has %d pieces, but the model's vocabulary size is %d", path, n, s.params.Vocab)
	}
	tok, err := tokenizer.FromSentencePiece(b)
	if err != nil {
		return fmt.Errorf("quant: %s: %w", path, err)
	}
	if tok.Len() != s.params.Vocab {
		return fmt.Errorf("quant: %s has %d pieces, but the model's vocabulary size is %d", path, tok.Len(), s.params.Vocab)
	}
	s.tokenizer = tok
	return nil
}

// countPieces counts the pieces of a SentencePiece model (the serialised
// ModelProto b: field 1, repeated), without reading them. ok is false when
// b is not a protocol buffer; the parser then says why.
func countPieces(b []byte) (n int, ok bool) {
	const modelPieces = 1 // ModelProto.pieces
	for len(b) > 0 {
		num, typ, tagLen := protowire.ConsumeTag(b)
		if tagLen < 0 {
			return 0, false
		}
		valueLen := protowire.ConsumeFieldValue(num, typ, b[tagLen:])
		if valueLen < 0 {
			return 0, false
		}
		if num == modelPieces {
			n++
		}
		b = b[tagLen+valueLen:]
	}
	return n, true
}

// planCheckEvery is how many tensors planning goes between looks at its
// context.
const planCheckEvery = 64

// planTensors matches the source tensors with those a Mistral model of the
// folder's parameters has, checking names, shapes and types.
func (s *source) planTensors(ctx context.Context) error {
	used := make(map[string]bool)
	for i, pt := range tensorPlan(s.layout, &s.params) {
		if i%planCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		t, ok := s.set.Tensor(pt.source)
		if !ok {
			if pt.Role == arch.Output && s.params.TiedEmbeddings {
				continue // llama.cpp falls back on token_embd
			}
			return &TensorError{Name: pt.source, Reason: "missing from the model files"}
		}
		used[pt.source] = true
		if !floatDTypes[t.DType] {
			return &TensorError{Name: pt.source, Reason: fmt.Sprintf("type %s (only F32, F16 and BF16 convert)", t.DType), Err: ErrUnsupported}
		}
		if !slices.Equal(t.Shape, pt.shape) {
			return &TensorError{Name: pt.source, Reason: fmt.Sprintf("shape %v, but the configuration implies %v (%s)",
				t.Shape, pt.shape, s.blame(pt, t.Shape))}
		}
		s.tensors = append(s.tensors, sourceTensor{name: pt.Name, shape: pt.Shape, src: t, ropeHeads: pt.ropeHeads})
	}
	var extra []string
	for _, t := range s.set.Tensors() {
		if !used[t.Name] && !ignorable(t.Name) {
			extra = append(extra, t.Name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return &TensorError{Name: extra[0], Reason: fmt.Sprintf("not part of a Mistral model of %d layers (%d such tensors)", s.params.Layers, len(extra))}
	}
	return nil
}

// blame names the hyper-parameters that decide the dimensions where shape
// (PyTorch order) differs from the plan's, with their values and the file:
// "intermediate_size = 256 in config.json".
func (s *source) blame(pt plannedTensor, shape []int64) string {
	extents := pt.Role.Extents() // GGML order: the reverse of shape's
	var parts []string
	for i, e := range extents {
		j := len(extents) - 1 - i
		if len(shape) == len(extents) && shape[j] == pt.shape[j] {
			continue
		}
		if d := e.Describe(s.layout.format(), s.params); !slices.Contains(parts, d) {
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, ", ") + " in " + filepath.Base(s.config)
}

// floatDTypes are the source types that convert.
var floatDTypes = map[safetensors.DType]bool{safetensors.F32: true, safetensors.F16: true, safetensors.BF16: true}

// exists reports whether path names an existing file or folder.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

// close releases the source's files.
func (s *source) close() error {
	if s == nil {
		return nil
	}
	return s.set.Close()
}
