package safetensors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/gomistral/gomistral/quant/internal/bounded"
)

// IndexName is the name Hugging Face gives the index of a sharded model.
const IndexName = "model.safetensors.index.json"

// Set is a model stored in one or more safetensors files, opened as one:
// tensor names are unique across the set.
//
// A Set is safe for concurrent use by multiple goroutines, except that Close
// must not run concurrently with anything else.
type Set struct {
	files   []*File
	tensors []Tensor // sorted by name
	byName  map[string]int
}

// OpenFiles opens the safetensors files at paths as one Set. A tensor name
// found in two files is an error.
func OpenFiles(paths ...string) (*Set, error) {
	return Limits{}.OpenFiles(context.Background(), paths...)
}

// OpenFiles is the package's OpenFiles within l; ctx stops it between
// files.
func (l Limits) OpenFiles(ctx context.Context, paths ...string) (*Set, error) {
	s := &Set{byName: make(map[string]int)}
	for _, p := range paths {
		if err := s.add(ctx, l, p); err != nil {
			s.Close()
			return nil, err
		}
	}
	s.sort()
	return s, nil
}

// add opens the file at path and adds its tensors to the set.
func (s *Set) add(ctx context.Context, l Limits, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := l.Open(path)
	if err != nil {
		return err
	}
	s.files = append(s.files, f)
	if l.tooMany(len(s.tensors) + len(f.Header.Tensors)) {
		return &FormatError{File: path, Offset: -1,
			Reason: fmt.Sprintf("the files hold more than %d tensors, the most expected", l.MaxTensors)}
	}
	for _, t := range f.Tensors() {
		if i, dup := s.byName[t.Name]; dup {
			return &FormatError{File: path, Offset: -1, Tensor: t.Name,
				Reason: fmt.Sprintf("also in %s", s.tensors[i].file.Path)}
		}
		s.byName[t.Name] = len(s.tensors)
		s.tensors = append(s.tensors, t)
	}
	return nil
}

// sort orders the tensors by name.
func (s *Set) sort() {
	sort.Slice(s.tensors, func(a, b int) bool { return s.tensors[a].Name < s.tensors[b].Name })
	for i, t := range s.tensors {
		s.byName[t.Name] = i
	}
}

// OpenIndex opens the sharded model described by the index file at path (a
// model.safetensors.index.json, whose "weight_map" maps each tensor name to
// the shard holding it, relative to the index's folder). A shard that is
// missing (the error wraps fs.ErrNotExist), a tensor the index names but its
// shard lacks, and a shard tensor the index does not name are errors.
func OpenIndex(path string) (*Set, error) { return Limits{}.OpenIndex(context.Background(), path) }

// OpenIndex is the package's OpenIndex within l: the index may name no
// more than l.MaxTensors tensors, and each shard is checked against it as
// soon as it is open, before the next; ctx stops it between shards.
func (l Limits) OpenIndex(ctx context.Context, path string) (*Set, error) {
	weights, err := l.readIndex(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	var shards []string // distinct, in order of first mention
	seen := make(map[string]bool)
	placed := make(map[string]string, len(weights)) // tensor name -> shard
	for _, w := range weights {
		if !seen[w.shard] {
			seen[w.shard] = true
			shards = append(shards, w.shard)
		}
		placed[w.name] = w.shard
	}
	for _, sh := range shards {
		if _, err := os.Stat(filepath.Join(dir, sh)); err != nil {
			return nil, fmt.Errorf("safetensors: %s: shard %q: %w", path, sh, err)
		}
	}
	s := &Set{byName: make(map[string]int)}
	fail := func(err error) (*Set, error) {
		s.Close()
		return nil, err
	}
	for _, sh := range shards {
		if err := s.add(ctx, l, filepath.Join(dir, sh)); err != nil {
			return fail(err)
		}
		if err := checkShard(path, s.files[len(s.files)-1], placed); err != nil {
			return fail(err)
		}
	}
	for _, w := range weights {
		if _, ok := s.byName[w.name]; !ok {
			return fail(&FormatError{File: path, Offset: -1, Tensor: w.name,
				Reason: fmt.Sprintf("named by the index but missing from shard %s", w.shard)})
		}
	}
	s.sort()
	return s, nil
}

// checkShard checks that the index places every tensor of the shard f in f.
func checkShard(index string, f *File, placed map[string]string) error {
	for _, t := range f.Header.Tensors {
		shard, ok := placed[t.Name]
		switch {
		case !ok:
			return &FormatError{File: f.Path, Offset: -1, Tensor: t.Name,
				Reason: fmt.Sprintf("not listed in the index %s", filepath.Base(index))}
		case shard != filepath.Base(f.Path):
			return &FormatError{File: index, Offset: -1, Tensor: t.Name,
				Reason: fmt.Sprintf("the index places it in %s, but it is in %s", shard, filepath.Base(f.Path))}
		}
	}
	return nil
}

// indexEntry is one member of an index's weight_map.
type indexEntry struct{ name, shard string }

// readIndex reads the weight_map of the index file at path, in file order:
// no longer than MaxIndexSize, naming no more than l.MaxTensors tensors.
func (l Limits) readIndex(path string) ([]indexEntry, error) {
	b, err := bounded.ReadFile(path, MaxIndexSize)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	bad := func(off int64, name, format string, args ...any) error {
		return &FormatError{File: path, Offset: off, Tensor: name, Reason: fmt.Sprintf(format, args...)}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, &FormatError{File: path, Offset: -1, Reason: "invalid index JSON", Err: err}
	}
	wm, ok := top["weight_map"]
	if !ok || len(wm) == 0 || wm[0] != '{' {
		return nil, bad(-1, "", "no weight_map object")
	}
	var entries []indexEntry
	seen := make(map[string]bool)
	err = parseObject(wm, func(name string, _ int64, v json.RawMessage) error {
		var shard string
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &shard) != nil {
			return bad(-1, name, "weight_map value is not a file name")
		}
		if seen[name] {
			return bad(-1, name, "listed twice in weight_map")
		}
		if l.tooMany(len(entries) + 1) {
			return bad(-1, "", "weight_map names more than %d tensors, the most expected", l.MaxTensors)
		}
		if !filepath.IsLocal(shard) || filepath.Base(shard) != shard {
			return bad(-1, name, "shard %q is not a file name in the index's folder", shard)
		}
		seen[name] = true
		entries = append(entries, indexEntry{name, shard})
		return nil
	})
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			fe.File = path
			fe.Offset = -1
		}
		return nil, err
	}
	if len(entries) == 0 {
		return nil, bad(-1, "", "weight_map is empty")
	}
	return entries, nil
}

// OpenDir opens the safetensors model in dir: the sharded model of its
// model.safetensors.index.json if there is one, else model.safetensors, else
// the folder's only *.safetensors file.
func OpenDir(dir string) (*Set, error) { return Limits{}.OpenDir(context.Background(), dir) }

// OpenDir is the package's OpenDir within l; ctx stops it between files.
func (l Limits) OpenDir(ctx context.Context, dir string) (*Set, error) {
	index := filepath.Join(dir, IndexName)
	if _, err := os.Stat(index); err == nil {
		return l.OpenIndex(ctx, index)
	}
	single := filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(single); err == nil {
		return l.OpenFiles(ctx, single)
	}
	matches, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	switch len(matches) {
	case 0:
		return nil, fmt.Errorf("safetensors: %s: no %s, model.safetensors or other *.safetensors file: %w", dir, IndexName, fs.ErrNotExist)
	case 1:
		return l.OpenFiles(ctx, matches[0])
	default:
		return nil, fmt.Errorf("safetensors: %s: %d *.safetensors files and no %s to say how they go together", dir, len(matches), IndexName)
	}
}

// Tensors returns the set's tensors sorted by name.
func (s *Set) Tensors() []Tensor { return append([]Tensor(nil), s.tensors...) }

// Tensor returns the tensor called name, and false if the set has none.
func (s *Set) Tensor(name string) (Tensor, bool) {
	i, ok := s.byName[name]
	if !ok {
		return Tensor{}, false
	}
	return s.tensors[i], true
}

// Files returns the set's files.
func (s *Set) Files() []*File { return append([]*File(nil), s.files...) }

// Close closes every file of the set. It is idempotent and safe on a nil *Set.
func (s *Set) Close() error {
	if s == nil {
		return nil
	}
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}
