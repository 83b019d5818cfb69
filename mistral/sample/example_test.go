package sample_test

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomistral/gomistral/mistral/sample"
)

func ExampleSampler() {
	// The logits of one position, over a vocabulary of six tokens.
	logits := []float32{2.0, 1.5, 0.2, -1.0, 3.0, 1.0}

	// A stage of our own: no token 4 (say, a word we never want). It runs
	// after the bias and the penalties, before top-k and the others.
	noFour := sample.StageFunc(func(c *sample.Candidates) {
		c.DeleteFunc(func(id int32, _ float32) bool { return id == 4 })
	})

	// The zero Sampler (like the zero Config) is greedy: the most likely
	// token.
	var greedy sample.Sampler
	fmt.Println("greedy:", greedy.Sample(logits))
	if err := greedy.SetConfig(sample.Config{Stages: []sample.Stage{noFour}}); err != nil {
		panic(err)
	}
	fmt.Println("greedy without 4:", greedy.Sample(logits))

	cfg := sample.Config{
		Temperature:   0.8,
		TopK:          4,
		TopP:          0.95,
		RepeatPenalty: 1.3,
		LogitBias:     map[int32]float32{5: float32(math.Inf(-1))}, // nor token 5
		Seed:          42,
		Stages:        []sample.Stage{noFour},
	}
	s, err := sample.New(cfg)
	if err != nil {
		panic(err)
	}
	var tokens []int32
	for range 12 {
		id := s.Sample(logits)
		s.Accept(id) // joins the sequence: the penalties see it
		tokens = append(tokens, id)
	}
	fmt.Println("sampled:", tokens)

	// The same seed and the same tokens accepted give the same draws.
	again, err := sample.New(cfg)
	if err != nil {
		panic(err)
	}
	same := true
	for _, want := range tokens {
		id := again.Sample(logits)
		again.Accept(id)
		same = same && id == want
	}
	fmt.Println("reproduced:", same)

	// A value outside its range is an error naming the field.
	cfg.TopP = 1.5
	_, err = sample.New(cfg)
	fmt.Println(err)
	// Output:
	// greedy: 4
	// greedy without 4: 0
	// sampled: [0 0 1 0 0 1 0 1 1 0 0 0]
	// reproduced: true
	// sample: TopP is 1.5, want a value in [0, 1]
}

func ExampleSampler_SetConfig() {
	logits := []float32{0.5, 1.0, 0.8, 0.1}
	// n draws from logits (no penalties here: nothing to Accept).
	draw := func(s *sample.Sampler, n int) []int32 {
		ids := make([]int32, n)
		for i := range ids {
			ids[i] = s.Sample(logits)
		}
		return ids
	}
	cfg := sample.Config{Temperature: 1, Seed: 7}

	whole, _ := sample.New(cfg)
	run := draw(whole, 8)

	// The same Seed again continues the stream: two calls of four draws
	// are the run of eight.
	parts, _ := sample.New(cfg)
	first := draw(parts, 4)
	if err := parts.SetConfig(cfg); err != nil {
		panic(err)
	}
	fmt.Println("two parts make the run:", slices.Equal(run, append(first, draw(parts, 4)...)))

	// Another seed starts another stream, and that seed again restarts it:
	// a new Sampler with it draws the same.
	cfg.Seed = 8
	if err := parts.SetConfig(cfg); err != nil {
		panic(err)
	}
	fresh, _ := sample.New(cfg)
	fmt.Println("seed 8 starts afresh:", slices.Equal(draw(parts, 8), draw(fresh, 8)))
	// Output:
	// two parts make the run: true
	// seed 8 starts afresh: true
}

func ExampleSampler_MarshalBinary() {
	logits := []float32{0.5, 1.0, 0.8, 0.1}
	cfg := sample.Config{Temperature: 1, FrequencyPenalty: 0.5, Seed: 7}
	draw := func(s *sample.Sampler, n int) []int32 {
		var ids []int32
		for range n {
			id := s.Sample(logits)
			s.Accept(id)
			ids = append(ids, id)
		}
		return ids
	}

	s, err := sample.New(cfg)
	if err != nil {
		panic(err)
	}
	draw(s, 5)
	state, err := s.MarshalBinary() // saved with a session
	if err != nil {
		panic(err)
	}
	fmt.Println("continued:", draw(s, 6))

	var restored sample.Sampler // later, another process...
	if err := restored.SetConfig(cfg); err != nil {
		panic(err)
	}
	if err := restored.UnmarshalBinary(state); err != nil {
		panic(err)
	}
	fmt.Println("restored: ", draw(&restored, 6))

	err = restored.UnmarshalBinary(state[:10])
	fmt.Println(err)
	// Output:
	// continued: [1 0 3 1 1 3]
	// restored:  [1 0 3 1 1 3]
	// sample: state: truncated generator state (at byte 7)
}
