package mistral

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gomistral/gomistral/mistral/tokenizer"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A conversation continued turn after turn keeps every token the session
// held, the answers it generated included, even when their text encodes
// to other ids: only the new turn is computed.
func TestChatKeepsGeneratedIDs(t *testing.T) {
	m := loadTiny(t)
	s, err := m.NewSession(SessionConfig{})
	require.NoError(t, err)
	defer s.Close()
	var msgs []Message
	held := []int32{}
	reencoded := false
	for turn := range 4 {
		msgs = append(msgs, Message{Role: RoleUser, Content: fmt.Sprintf("What happened on day %d?", turn+1)})
		var answer strings.Builder
		for tok, err := range s.Chat(context.Background(), msgs, GenerateConfig{MaxTokens: 10}) {
			require.NoError(t, err)
			answer.WriteString(tok.Text)
		}
		now := s.Tokens()
		require.Equal(t, held, now[:len(held)], "turn %d recomputed what the session held", turn)
		held = now
		ids, err := m.Tokenizer().EncodeChat(append(msgs, Message{Role: RoleAssistant, Content: answer.String()}), tokenizer.ChatOptions{})
		require.NoError(t, err)
		n := min(len(ids), len(now))
		if !slices.Equal(ids[:n], now[:n]) {
			reencoded = true
		}
		msgs = append(msgs, Message{Role: RoleAssistant, Content: answer.String()})
	}
	// The check above means something only if some answer's text encodes
	// to other ids than those generated.
	assert.True(t, reencoded, "every answer re-encodes to the ids generated")
}
