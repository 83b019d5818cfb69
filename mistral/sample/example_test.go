package sample_test

import (
	"fmt"
	"math"

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

	// The zero configuration is greedy: the most likely token.
	fmt.Println("greedy:", sample.New(sample.Config{}).Sample(logits))
	fmt.Println("greedy without 4:", sample.New(sample.Config{
		Stages: []sample.Stage{noFour},
	}).Sample(logits))

	cfg := sample.Config{
		Temperature:   0.8,
		TopK:          4,
		TopP:          0.95,
		RepeatPenalty: 1.3,
		LogitBias:     map[int32]float32{5: float32(math.Inf(-1))}, // nor token 5
		Seed:          42,
		Stages:        []sample.Stage{noFour},
	}
	s := sample.New(cfg)
	var tokens []int32
	for range 12 {
		id := s.Sample(logits)
		s.Accept(id) // joins the sequence: the penalties see it
		tokens = append(tokens, id)
	}
	fmt.Println("sampled:", tokens)

	// The same seed and the same tokens accepted give the same draws.
	again := sample.New(cfg)
	same := true
	for _, want := range tokens {
		id := again.Sample(logits)
		again.Accept(id)
		same = same && id == want
	}
	fmt.Println("reproduced:", same)
	// Output:
	// greedy: 4
	// greedy without 4: 0
	// sampled: [0 0 1 0 0 1 0 1 1 0 0 0]
	// reproduced: true
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

	s := sample.New(cfg)
	draw(s, 5)
	state, err := s.MarshalBinary() // saved with a session
	if err != nil {
		panic(err)
	}
	fmt.Println("continued:", draw(s, 6))

	restored := sample.New(cfg) // later, another process...
	if err := restored.UnmarshalBinary(state); err != nil {
		panic(err)
	}
	fmt.Println("restored: ", draw(restored, 6))

	err = restored.UnmarshalBinary(state[:10])
	fmt.Println(err)
	// Output:
	// continued: [1 0 3 1 1 3]
	// restored:  [1 0 3 1 1 3]
	// sample: state: truncated generator state (at byte 6)
}
