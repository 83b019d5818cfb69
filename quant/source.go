package quant

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/mistral/tokenizer"
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
	inputs    []string       // every file read, for the overwrite check
	notes     []string       // assumptions made, for the log
	set       *safetensors.Set
}

// openSource opens the model in dir: the Hugging Face layout when it has a
// config.json, else the consolidated layout when it has a params.json. A
// folder with both (Mistral's Hugging Face repositories ship both) is read in
// the Hugging Face layout unless only consolidated.safetensors holds weights.
func openSource(dir string) (*source, error) {
	s := &source{dir: dir}
	hasHF := exists(filepath.Join(dir, hfConfigName))
	hasConsolidated := exists(filepath.Join(dir, consolidatedParamsName))
	hfWeights := exists(filepath.Join(dir, safetensors.IndexName)) || exists(filepath.Join(dir, "model.safetensors"))
	var err error
	switch {
	case hasHF && (hfWeights || !hasConsolidated):
		s.layout = LayoutHuggingFace
		cfg := filepath.Join(dir, hfConfigName)
		s.inputs = append(s.inputs, cfg)
		if s.params, err = readHFConfig(cfg); err != nil {
			return nil, err
		}
		if exists(filepath.Join(dir, safetensors.IndexName)) {
			s.inputs = append(s.inputs, filepath.Join(dir, safetensors.IndexName))
		}
		s.set, err = safetensors.OpenDir(dir)
	case hasConsolidated:
		s.layout = LayoutConsolidated
		cfg := filepath.Join(dir, consolidatedParamsName)
		s.inputs = append(s.inputs, cfg)
		if s.params, s.notes, err = readConsolidatedParams(cfg); err != nil {
			return nil, err
		}
		s.set, err = safetensors.OpenFiles(filepath.Join(dir, consolidatedName))
	default:
		return nil, fmt.Errorf("quant: %s: no %s (Hugging Face) or %s (Mistral consolidated): %w",
			dir, hfConfigName, consolidatedParamsName, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("quant: %w", err)
	}
	for _, f := range s.set.Files() {
		s.inputs = append(s.inputs, f.Path)
	}
	if err := s.loadTokenizer(); err != nil {
		s.close()
		return nil, err
	}
	if err := s.planTensors(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// loadTokenizer reads the SentencePiece model of the folder: tokenizer.model,
// or else the folder's only tokenizer.model.* (Mistral ships
// tokenizer.model.v3).
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
	tok, err := tokenizer.LoadSentencePiece(path)
	if err != nil {
		return fmt.Errorf("quant: %s: %w", path, err)
	}
	if tok.Len() != s.params.Vocab {
		return fmt.Errorf("quant: %s has %d pieces, but the model's vocabulary size is %d", path, tok.Len(), s.params.Vocab)
	}
	s.tokenizer = tok
	return nil
}

// planTensors matches the source tensors with those a Mistral model of the
// folder's parameters has, checking names, shapes and types.
func (s *source) planTensors() error {
	used := make(map[string]bool)
	for _, pt := range tensorPlan(s.layout, &s.params) {
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
			return &TensorError{Name: pt.source, Reason: fmt.Sprintf("shape %v, but the configuration implies %v", t.Shape, pt.shape)}
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
