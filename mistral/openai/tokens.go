package openai

import (
	"net/http"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// tokenLogProb is a generated token in the shape of a chat answer's
// log-probabilities; false for the end-of-sequence token that ends an
// answer, which is not part of it.
func tokenLogProb(tok *tokenizer.Tokenizer, t mistral.Token) (TokenLogProb, bool) {
	if t.Stop == mistral.StopEOS {
		return TokenLogProb{}, false
	}
	text := tok.Text(t.ID)
	lp := TokenLogProb{Token: text, LogProb: float64(t.LogProb), Bytes: byteValues(text), TopLogProbs: []TopLogProb{}}
	for _, alt := range t.TopLogProbs {
		lp.TopLogProbs = append(lp.TopLogProbs, TopLogProb{Token: alt.Text, LogProb: float64(alt.LogProb), Bytes: byteValues(alt.Text)})
	}
	return lp, true
}

// byteValues is text's bytes as JSON numbers (a []byte would be base64).
func byteValues(text string) []int {
	out := make([]int, len(text))
	for i := range len(text) {
		out[i] = int(text[i])
	}
	return out
}

// TokenizeRequest is the body of POST /tokenize.
type TokenizeRequest struct {
	Content string `json:"content"`
	// AddSpecial starts the ids with BOS, as a prompt begins.
	AddSpecial bool `json:"add_special,omitempty"`
	// WithPieces answers each token with its text.
	WithPieces bool `json:"with_pieces,omitempty"`
}

// TokenPiece is a token and its text, in a /tokenize answer with_pieces.
type TokenPiece struct {
	ID    int32  `json:"id"`
	Piece string `json:"piece"`
}

// tokenize answers POST /tokenize: {"tokens": [ids]} (or [{"id", "piece"}]
// with with_pieces).
func (h *Handler) tokenize(w http.ResponseWriter, r *http.Request) {
	var req TokenizeRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	tok := h.m.Tokenizer()
	ids, err := tok.Encode(req.Content, tokenizer.EncodeOptions{BOS: req.AddSpecial && tok.AddBOS()})
	if err != nil {
		writeError(w, badRequest("content", "%v", err))
		return
	}
	if !req.WithPieces {
		writeJSON(w, http.StatusOK, map[string][]int32{"tokens": ids})
		return
	}
	pieces := make([]TokenPiece, len(ids))
	for i, id := range ids {
		pieces[i] = TokenPiece{ID: id, Piece: tok.Text(id)}
	}
	writeJSON(w, http.StatusOK, map[string][]TokenPiece{"tokens": pieces})
}

// DetokenizeRequest is the body of POST /detokenize.
type DetokenizeRequest struct {
	Tokens []int32 `json:"tokens"`
}

// detokenize answers POST /detokenize: {"content": text}.
func (h *Handler) detokenize(w http.ResponseWriter, r *http.Request) {
	var req DetokenizeRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	text, err := h.m.Tokenizer().Decode(req.Tokens)
	if err != nil {
		writeError(w, badRequest("tokens", "%v", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"content": text})
}
