package testref

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// Reference is what a tiny model's reference files hold (ref.json and
// ref_logits.f32, described in ../shared/testdata/README.md): float64
// computations of the model made outside the project, by an independent
// implementation of the architecture from the float16 weights.
type Reference struct {
	Window    int        `json:"window"` // the model's sliding window
	Sequences []Sequence `json:"sequences"`
	Greedy    []Greedy   `json:"greedy"`

	// Logits holds, for each sequence, the logits after each of its
	// Positions (sequence, position index, vocab). LoadReference fills it;
	// ReadReference leaves it nil.
	Logits [][][]float32 `json:"-"`
}

// Sequence is a reference text and what the model computes over it.
type Sequence struct {
	Name      string    `json:"name"`
	Text      string    `json:"text"`
	IDs       []int32   `json:"ids"`       // the text's tokens, BOS first
	Positions []int     `json:"positions"` // where Logits are given
	Argmax    []int32   `json:"argmax"`    // the most likely next token after each of IDs
	NLLNext   []float64 `json:"nll_next"`  // -log p(IDs[i+1]) after IDs[i]
	MeanNLL   float64   `json:"mean_nll"`  // the mean of NLLNext
}

// Greedy is a prompt and its greedy continuation.
type Greedy struct {
	Prompt     string    `json:"prompt"`
	PromptIDs  []int32   `json:"prompt_ids"`
	GreedyIDs  []int32   `json:"greedy_ids"`
	GreedyText string    `json:"greedy_text"`
	Top2Margin []float64 `json:"top2_margin"` // between the two best logits at each greedy step
}

// ReadReference reads dir's ref.json (not its logits), failing t when it
// cannot.
func ReadReference(t testing.TB, dir string) *Reference {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "ref.json"))
	require.NoError(t, err)
	var r Reference
	require.NoError(t, json.Unmarshal(raw, &r))
	return &r
}

// LoadReference reads dir's ref.json and ref_logits.f32, whose rows have
// vocab logits each, failing t when it cannot or when the size of
// ref_logits.f32 does not match.
func LoadReference(t testing.TB, dir string, vocab int) *Reference {
	t.Helper()
	r := ReadReference(t, dir)
	bin, err := os.ReadFile(filepath.Join(dir, "ref_logits.f32"))
	require.NoError(t, err)
	off := 0
	for _, s := range r.Sequences {
		rows := make([][]float32, len(s.Positions))
		for i := range rows {
			require.LessOrEqual(t, off+4*vocab, len(bin), "ref_logits.f32 is too short")
			rows[i] = make([]float32, vocab)
			for j := range rows[i] {
				rows[i][j] = math.Float32frombits(binary.LittleEndian.Uint32(bin[off:]))
				off += 4
			}
		}
		r.Logits = append(r.Logits, rows)
	}
	require.Equal(t, len(bin), off, "size of ref_logits.f32")
	return r
}

// Sequence returns the index and the reference sequence called name,
// failing t when there is none.
func (r *Reference) Sequence(t testing.TB, name string) (int, Sequence) {
	t.Helper()
	for i, s := range r.Sequences {
		if s.Name == name {
			return i, s
		}
	}
	t.Fatalf("no reference sequence %q", name)
	return 0, Sequence{}
}
