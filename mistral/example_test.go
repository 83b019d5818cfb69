package mistral_test

import (
	"context"
	"fmt"
	"log"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/models"
)

// Generate a greedy continuation with the small model that ships with the
// library (trained on War and Peace, so it writes like the novel).
func Example() {
	path, err := models.TinyPath()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	m, err := mistral.Load(ctx, path, mistral.Config{Threads: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSession(mistral.SessionConfig{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	for tok, err := range s.Generate(ctx, "The French army", mistral.GenerateConfig{MaxTokens: 12}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(tok.Text)
	}
	fmt.Println()
	// Output:
	// was the first time. The
	// oldiers, the only
}
