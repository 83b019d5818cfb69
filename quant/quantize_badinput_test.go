package quant

import (
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// assertNoOutput checks that a failed Quantize returned no result and left
// nothing in outDir.
func assertNoOutput(t *testing.T, outDir string, res *QuantizeResult, err error) {
	t.Helper()
	require.Error(t, err)
	t.Log(err)
	assert.Nil(t, res)
	assertEmptyDir(t, outDir)
}

func TestQuantizeBadFolder(t *testing.T) {
	for _, tt := range badSources() {
		t.Run(tt.name, func(t *testing.T) {
			outDir := t.TempDir()
			res, err := Quantize(context.Background(), tt.source(t), filepath.Join(outDir, "out.gguf"), QuantizeOptions{Type: FileTypeQ4_K_M})
			assertNoOutput(t, outDir, res, err)
			assert.ErrorContains(t, err, tt.want)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			if tt.as != nil {
				assert.ErrorAs(t, err, tt.as)
			}
		})
	}
}

func TestParseFileType(t *testing.T) {
	for _, ft := range FileTypes() {
		got, err := ParseFileType(ft.String())
		require.NoError(t, err)
		assert.Equal(t, ft, got)
	}
	for s, want := range map[string]FileType{"q4_k_m": FileTypeQ4_K_M, "f16": FileTypeF16, "Bf16": FileTypeBF16, "Q8_0": FileTypeQ8_0} {
		got, err := ParseFileType(s)
		require.NoError(t, err, s)
		assert.Equal(t, want, got, s)
	}
	for _, s := range []string{"", "Q4_K", "Q4_K_X", "IQ2_XXS", "q4km", "Q2_K_S"} {
		_, err := ParseFileType(s)
		assert.ErrorIs(t, err, ErrUnsupported, s)
		assert.ErrorContains(t, err, "want one of F32, F16, BF16, Q8_0", s)
	}
	assert.Equal(t, "FileType(99)", FileType(99).String())
	assert.False(t, FileType(4).Valid(), "retired by llama.cpp")
}

// ggufCopy copies the tiny v1 reference GGUF into a fresh folder.
func ggufCopy(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(refV1)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "model.gguf")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

func TestQuantizeBadArguments(t *testing.T) {
	ctx := context.Background()
	t.Run("invalid type", func(t *testing.T) {
		outDir := t.TempDir()
		res, err := Quantize(ctx, refV1, filepath.Join(outDir, "out.gguf"), QuantizeOptions{Type: FileType(99)})
		assertNoOutput(t, outDir, res, err)
		assert.ErrorIs(t, err, ErrUnsupported)
	})
	t.Run("output is the input", func(t *testing.T) {
		src := ggufCopy(t)
		before, err := os.ReadFile(src)
		require.NoError(t, err)
		link := filepath.Join(t.TempDir(), "link.gguf")
		require.NoError(t, os.Symlink(src, link))
		for _, dst := range []string{src, link} {
			res, err := Quantize(ctx, src, dst, QuantizeOptions{Type: FileTypeQ8_0})
			assert.Nil(t, res)
			assert.ErrorContains(t, err, "refusing to overwrite the input file")
		}
		after, err := os.ReadFile(src)
		require.NoError(t, err)
		assert.True(t, equalBytes(before, after), "input unchanged")
		entries, err := os.ReadDir(filepath.Dir(src))
		require.NoError(t, err)
		assert.Len(t, entries, 1, "no temporary file left")

		// A folder's shard.
		dir := linkDir(t, tinyV1)
		_, err = Quantize(ctx, dir, filepath.Join(dir, shard1), QuantizeOptions{Type: FileTypeQ8_0})
		assert.ErrorContains(t, err, "refusing to overwrite the input file")
	})
	t.Run("destination is a folder", func(t *testing.T) {
		outDir := t.TempDir()
		res, err := Quantize(ctx, refV1, outDir, QuantizeOptions{Type: FileTypeQ8_0})
		assertNoOutput(t, outDir, res, err)
		assert.ErrorIs(t, err, errIsDir)
	})
	t.Run("destination folder missing", func(t *testing.T) {
		_, err := Quantize(ctx, refV1, filepath.Join(t.TempDir(), "no", "out.gguf"), QuantizeOptions{Type: FileTypeQ8_0})
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
	t.Run("destination under a file", func(t *testing.T) {
		outDir := t.TempDir()
		file := filepath.Join(outDir, "file")
		require.NoError(t, os.WriteFile(file, nil, 0o644))
		_, err := Quantize(ctx, refV1, filepath.Join(file, "out.gguf"), QuantizeOptions{Type: FileTypeQ8_0})
		assert.Error(t, err)
		t.Log(err)
	})
	t.Run("read-only destination folder", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes into read-only folders")
		}
		outDir := t.TempDir()
		require.NoError(t, os.Chmod(outDir, 0o555))
		defer os.Chmod(outDir, 0o755)
		res, err := Quantize(ctx, refV1, filepath.Join(outDir, "out.gguf"), QuantizeOptions{Type: FileTypeQ8_0})
		assertNoOutput(t, outDir, res, err)
		assert.ErrorIs(t, err, fs.ErrPermission)
	})
}

func TestQuantizeBadGGUF(t *testing.T) {
	ctx := context.Background()
	whole, err := os.ReadFile(refV1)
	require.NoError(t, err)
	write := func(t *testing.T, b []byte) string {
		p := filepath.Join(t.TempDir(), "in.gguf")
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	var formatErr *gguf.FormatError
	for _, tt := range []struct {
		name string
		src  func(t *testing.T) string
		as   any
		is   error
		want string
	}{
		{"truncated", func(t *testing.T) string { return write(t, whole[:len(whole)/2]) }, &formatErr, nil, "gguf"},
		{"not GGUF", func(t *testing.T) string { return write(t, []byte("not a gguf file at all")) }, &formatErr, nil, "gguf"},
		{"missing", func(t *testing.T) string { return filepath.Join(t.TempDir(), "none.gguf") }, nil, fs.ErrNotExist, "none.gguf"},
		{"another architecture", func(t *testing.T) string {
			return rewriteGGUF(t, refV1, func(kv []gguf.KV) []gguf.KV {
				kv[0].Value = gguf.String("gpt2")
				return kv
			}, nil)
		}, nil, ErrNotMistral, `architecture "gpt2"`},
		{"NaN weight", func(t *testing.T) string {
			return rewriteGGUF(t, refV1, nil, func(name string, data []byte) []byte {
				if name == "blk.2.ffn_up.weight" {
					data = append([]byte(nil), data...)
					binary.LittleEndian.PutUint16(data[2*(128*7+5):], 0x7e00) // F16 NaN at row 7
				}
				return data
			})
		}, nil, nil, `tensor "blk.2.ffn_up.weight": row 7 holds a non-finite value (NaN)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			outDir := t.TempDir()
			res, err := Quantize(ctx, tt.src(t), filepath.Join(outDir, "out.gguf"), QuantizeOptions{Type: FileTypeQ4_0})
			assertNoOutput(t, outDir, res, err)
			assert.ErrorContains(t, err, tt.want)
			if tt.as != nil {
				assert.ErrorAs(t, err, tt.as)
			}
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
		})
	}
}

// rewriteGGUF writes a copy of the GGUF file src with its metadata changed
// by editKV and each tensor's data by editData (either may be nil), and
// returns its path.
func rewriteGGUF(t *testing.T, src string, editKV func([]gguf.KV) []gguf.KV, editData func(name string, data []byte) []byte) string {
	t.Helper()
	m := openGGUF(t, src)
	kv := append([]gguf.KV(nil), m.KV...)
	if editKV != nil {
		kv = editKV(kv)
	}
	p := filepath.Join(t.TempDir(), "edited.gguf")
	f, err := os.Create(p)
	require.NoError(t, err)
	defer f.Close()
	w, err := gguf.NewWriter(f, kv, m.Tensors, gguf.WriterOptions{})
	require.NoError(t, err)
	for _, ti := range m.Tensors {
		data := m.TensorData(ti)
		if editData != nil {
			data = editData(ti.Name, data)
		}
		require.NoError(t, w.WriteTensor(ti.Name, data))
	}
	require.NoError(t, w.Close())
	return p
}

// countdownContext is a context whose Err reports cancellation from its
// n-th call on: it cancels Quantize at a chosen check, deterministically.
type countdownContext struct {
	context.Context
	calls, n atomic.Int64
}

func (c *countdownContext) Err() error {
	if c.calls.Add(1) >= c.n.Load() {
		return context.Canceled
	}
	return nil
}

func TestQuantizeCancelled(t *testing.T) {
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		outDir := t.TempDir()
		res, err := Quantize(ctx, tinyV1, filepath.Join(outDir, "out.gguf"), QuantizeOptions{Type: FileTypeQ4_K_M})
		assertNoOutput(t, outDir, res, err)
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("between tensors", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		outDir := t.TempDir()
		calls := 0
		res, err := Quantize(ctx, tinyV1, filepath.Join(outDir, "out.gguf"), QuantizeOptions{Type: FileTypeQ4_K_M,
			Progress: func(p Progress) {
				calls++
				if p.Tensors == 5 {
					cancel()
				}
			}})
		assertNoOutput(t, outDir, res, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 6, calls, "the start, then 5 tensors")
	})
	t.Run("inside a tensor", func(t *testing.T) {
		// token_embd (32000 rows of 128) goes in 63 chunks of 512 rows: the
		// 30th check stops it half-way, on whichever goroutine.
		ctx := &countdownContext{Context: context.Background()}
		ctx.n.Store(30)
		outDir := t.TempDir()
		res, err := Quantize(ctx, tinyV1, filepath.Join(outDir, "out.gguf"), QuantizeOptions{Type: FileTypeQ4_K_M, Threads: 2,
			Progress: func(p Progress) { assert.Zero(t, p.Tensors, "no tensor should be finished") }})
		assertNoOutput(t, outDir, res, err)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

// TestQuantizeNonFiniteF32 checks the error for an infinite weight in an F32
// source, the other float path.
func TestQuantizeNonFiniteF32(t *testing.T) {
	src := rewriteGGUF(t, f32GGUF(t), nil, func(name string, data []byte) []byte {
		if name == "token_embd.weight" {
			data = append([]byte(nil), data...)
			binary.LittleEndian.PutUint32(data[4*(128*31999+127):], math.Float32bits(float32(math.Inf(-1))))
		}
		return data
	})
	outDir := t.TempDir()
	res, err := Quantize(context.Background(), src, filepath.Join(outDir, "out.gguf"), QuantizeOptions{Type: FileTypeQ8_0})
	assertNoOutput(t, outDir, res, err)
	var te *TensorError
	assert.True(t, errors.As(err, &te))
	assert.ErrorContains(t, err, "row 31999 holds a non-finite value (-Inf)")
}

// f32GGUF returns the tiny v1 model as an F32 GGUF file.
func f32GGUF(t *testing.T) string {
	t.Helper()
	dst, _ := quantizeInto(t, tinyV1, QuantizeOptions{Type: FileTypeF32})
	return dst
}

// TestCancelledWhileReading cancels Convert and Quantize at each of their
// first looks at the context, which come while the folder is read and
// checked and the tensors planned: each stops with ctx's error and leaves
// no file.
func TestCancelledWhileReading(t *testing.T) {
	// How many looks come before the first tensor is written.
	counter := &countdownContext{Context: context.Background()}
	counter.n.Store(math.MaxInt64)
	var before int64
	_, err := Quantize(counter, tinyV1, filepath.Join(t.TempDir(), "out.gguf"), QuantizeOptions{Type: FileTypeQ8_0,
		Progress: func(p Progress) {
			if p.Tensors == 0 {
				before = counter.calls.Load()
			}
		}})
	require.NoError(t, err)
	t.Logf("%d looks at the context before the first tensor", before)
	require.GreaterOrEqual(t, before, int64(6), "the context is looked at while the folder is read and planned")
	for n := range before {
		for name, run := range map[string]func(ctx context.Context, dst string) error{
			"convert": func(ctx context.Context, dst string) error {
				_, err := Convert(ctx, tinyV1, dst, ConvertOptions{Type: gguf.TypeF16})
				return err
			},
			"quantize": func(ctx context.Context, dst string) error {
				_, err := Quantize(ctx, tinyV1, dst, QuantizeOptions{Type: FileTypeQ8_0})
				return err
			},
		} {
			ctx := &countdownContext{Context: context.Background()}
			ctx.n.Store(n + 1)
			outDir := t.TempDir()
			err := run(ctx, filepath.Join(outDir, "out.gguf"))
			assert.ErrorIs(t, err, context.Canceled, "%s cancelled at look %d", name, n+1)
			assertEmptyDir(t, outDir)
		}
	}
}
