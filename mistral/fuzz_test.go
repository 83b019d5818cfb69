package mistral

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/internal/testref"
)

// tinySource is the tiny model's metadata, tensor list and tensor data,
// read once for the fuzz targets.
var tinySource = sync.OnceValues(func() (*tinyParts, error) {
	f, err := gguf.Open(tinyModel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p := &tinyParts{kv: f.KV, ts: f.Tensors, data: map[string][]byte{}}
	for _, ti := range f.Tensors {
		p.data[ti.Name] = bytes.Clone(f.TensorData(ti))
	}
	return p, nil
})

type tinyParts struct {
	kv   []gguf.KV
	ts   []gguf.TensorInfo
	data map[string][]byte
}

// writeModel writes a GGUF of the tiny model's tensors (zeros where a
// tensor's size changed) with the given metadata and tensor list.
func writeModel(path string, p *tinyParts, kv []gguf.KV, ts []gguf.TensorInfo) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := gguf.NewWriter(f, kv, ts, gguf.WriterOptions{})
	if err != nil {
		return err
	}
	for _, ti := range ts {
		data := p.data[ti.Name]
		if int64(len(data)) != ti.Bytes() {
			data = make([]byte, ti.Bytes())
		}
		if err := w.WriteTensor(ti.Name, data); err != nil {
			return err
		}
	}
	return w.Close()
}

// FuzzLoad edits one metadata value and one tensor of the tiny model in
// ways the fuzzer chooses (a value of another type or size, a key dropped,
// a dimension or a type changed) and loads the result: Load returns an error
// or a model that works; it never panics or hangs, and a model it accepts
// computes a few tokens.
//
//	go test ./mistral -run '^$' -fuzz FuzzLoad -fuzztime 5m
func FuzzLoad(f *testing.F) {
	f.Add(uint8(3), uint8(0), int64(0), "", uint8(0), uint8(0), int64(0), uint32(0))
	f.Add(uint8(5), uint8(4), int64(7), "llama", uint8(2), uint8(1), int64(64), uint32(1))
	f.Add(uint8(9), uint8(2), int64(1)<<40, "", uint8(9), uint8(0), int64(4096), uint32(8))
	f.Add(uint8(12), uint8(6), int64(3), "x", uint8(30), uint8(2), int64(-1), uint32(40))
	f.Add(uint8(1), uint8(7), int64(0), "", uint8(1), uint8(9), int64(1), uint32(0))
	f.Fuzz(func(t *testing.T, key, kind uint8, num int64, str string, tensor, what uint8, size int64, typ uint32) {
		p, err := tinySource()
		require.NoError(t, err)
		kv := append([]gguf.KV(nil), p.kv...)
		ts := append([]gguf.TensorInfo(nil), p.ts...)

		i := int(key) % len(kv)
		switch kind % 9 {
		case 0:
			kv[i].Value = gguf.Uint32(uint32(num))
		case 1:
			kv[i].Value = gguf.Int32(int32(num))
		case 2:
			kv[i].Value = gguf.Uint64(uint64(num))
		case 3:
			kv[i].Value = gguf.Float32(math.Float32frombits(uint32(num)))
		case 4:
			kv[i].Value = gguf.String(str)
		case 5:
			kv[i].Value = gguf.Strings([]string{str})
		case 6:
			kv[i].Value = gguf.Int32s(make([]int32, uint64(num)%5))
		case 7:
			kv = append(kv[:i:i], kv[i+1:]...)
		case 8:
			kv[i].Value = gguf.Bool(num&1 == 1)
		}

		j := int(tensor) % len(ts)
		ti := ts[j]
		ti.Shape = append([]int64(nil), ti.Shape...)
		switch what % 4 {
		case 1: // another dimension, kept small enough to write
			ti.Shape[int(what/4)%len(ti.Shape)] = size % (1 << 16)
		case 2:
			ti.Type = gguf.Type(typ % 48)
		case 3:
			ts = append(ts[:j:j], ts[j+1:]...)
		}
		if what%4 != 3 {
			ts[j] = ti
			if n := ti.Bytes(); n == 0 || n > 64<<20 {
				return // not a tensor the writer takes, or too big to bother
			}
		}

		path := filepath.Join(t.TempDir(), "model.gguf")
		if err := writeModel(path, p, kv, ts); err != nil {
			return // the writer refused it: not a file to load
		}
		m, err := Load(context.Background(), path, Config{Threads: 1})
		if err != nil {
			require.Nil(t, m)
			return
		}
		defer m.Close()
		s, err := m.NewSession(SessionConfig{})
		if err != nil {
			return
		}
		defer s.Close()
		vocab := int32(m.Params().Vocab)
		require.NoError(t, s.Feed(context.Background(), []int32{1 % vocab, 2 % vocab, 3 % vocab}))
	})
}

// FuzzRestore hands Restore damaged save files: it returns an error (and
// leaves an empty session that works) or restores a state that works; it
// never panics and never allocates by a length it has not checked. With
// resign, the input's length and checksums are made to agree with its
// bytes first, so that the fuzzer's edits reach the fields behind them.
// Saves are over 100 KB (the logits alone): bound the time spent
// minimising each new input, or the fuzzer does little else.
//
//	go test ./mistral -run '^$' -fuzz FuzzRestore -fuzztime 5m -fuzzminimizetime 10x
func FuzzRestore(f *testing.F) {
	m, err := Load(context.Background(), tinyModel, Config{Threads: 1})
	require.NoError(f, err)
	defer m.Close()
	ctx := context.Background()
	s, err := m.NewSession(SessionConfig{})
	require.NoError(f, err)
	defer s.Close()
	addSave := func() {
		var saved bytes.Buffer
		require.NoError(f, s.Save(&saved))
		f.Add(bytes.Clone(saved.Bytes()), false)
		f.Add(bytes.Clone(saved.Bytes()), true)
	}
	addSave() // empty
	require.NoError(f, s.Feed(ctx, []int32{1, 415, 2936, 9060, 285, 1142}))
	addSave() // a few tokens
	msgs := []Message{{Role: RoleUser, Content: "Who is Pierre?"}}
	for _, err := range s.Chat(ctx, msgs, GenerateConfig{MaxTokens: 4, SamplerConfig: SamplerConfig{Temperature: 1, Seed: 3}}) {
		require.NoError(f, err)
	}
	addSave() // a chat log and a sampler's stream
	s.Reset()
	require.NoError(f, s.Feed(ctx, testref.LoadReference(f, tinyRef, m.Params().Vocab).Sequences[0].IDs[:200]))
	addSave() // past the window: every slot used
	f.Add([]byte{}, false)
	f.Add([]byte(sessionMagic+"\x01\x00\x00\x00"), false) // version 1

	// One session for every input (the fuzzer calls this function from one
	// goroutine per process): Restore must leave it usable whatever it read.
	r, err := m.NewSession(SessionConfig{})
	require.NoError(f, err)
	defer r.Close()
	f.Fuzz(func(t *testing.T, data []byte, fix bool) {
		if fix {
			data = resign(data)
		}
		if err := r.Restore(bytes.NewReader(data)); err != nil {
			require.ErrorIs(t, err, ErrBadSession)
			require.Equal(t, 0, r.Position())
		}
		require.NoError(t, r.Feed(context.Background(), []int32{1}))
		for _, err := range r.GenerateTokens(context.Background(), nil, GenerateConfig{MaxTokens: 2, SamplerConfig: SamplerConfig{Temperature: 1}}) {
			require.NoError(t, err)
		}
	})
}
