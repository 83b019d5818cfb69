package quant

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// render is one rendering of a chat template.
type render struct {
	Template string              `json:"template"`
	Messages []map[string]string `json:"messages"`
	Text     string              `json:"text"`  // the result
	Error    string              `json:"error"` // the exception raised by the template, if any
}

// renderJinja renders chat templates with Python's jinja2 (the engine Hugging
// Face uses), all in one run of python3, skipping the test when jinja2 is not
// installed.
func renderJinja(t *testing.T, renders []render) []render {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: cannot render the template with jinja2")
	}
	const script = `
import json, sys
try:
    import jinja2
except ImportError:
    print("NO JINJA2", end="")
    sys.exit(0)
def raise_exception(msg):
    raise jinja2.exceptions.TemplateError(msg)
env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
env.globals["raise_exception"] = raise_exception
renders = json.load(sys.stdin)
for r in renders:
    try:
        r["text"] = env.from_string(r["template"]).render(messages=r["messages"], bos_token="<s>", eos_token="</s>")
    except jinja2.exceptions.TemplateError as e:
        r["error"] = str(e)
json.dump(renders, sys.stdout)
`
	for i := range renders {
		if renders[i].Messages == nil {
			renders[i].Messages = []map[string]string{}
		}
	}
	in, err := json.Marshal(renders)
	require.NoError(t, err)
	cmd := exec.Command(python, "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	require.NoError(t, err)
	if string(out) == "NO JINJA2" {
		t.Skip("python3 has no jinja2: cannot render the template")
	}
	var got []render
	require.NoError(t, json.Unmarshal(out, &got))
	require.Len(t, got, len(renders))
	return got
}

// chatCase is a conversation of vectors.json with the ids mistral-common's
// v1 instruct tokenizer gives it.
type chatCase struct {
	System string              `json:"system"`
	Turns  []map[string]string `json:"turns"`
	IDs    []int32             `json:"ids"`
}

// tokenizeLikeLlamaCpp encodes a rendered conversation the way llama.cpp does
// with a SentencePiece vocabulary: <s> and </s> as control tokens, and each
// run of text between them encoded on its own with its dummy-prefix space.
func tokenizeLikeLlamaCpp(t *testing.T, tok *tokenizer.Tokenizer, text string) []int32 {
	t.Helper()
	var ids []int32
	for text != "" {
		i := strings.Index(text, "<s>")
		j := strings.Index(text, "</s>")
		cut, ctl, n := len(text), int32(-1), 0
		if i >= 0 && (j < 0 || i < j) {
			cut, ctl, n = i, tok.BOS(), len("<s>")
		} else if j >= 0 {
			cut, ctl, n = j, tok.EOS(), len("</s>")
		}
		if cut > 0 {
			part, err := tok.Encode(text[:cut], tokenizer.EncodeOptions{})
			require.NoError(t, err)
			ids = append(ids, part...)
		}
		if ctl >= 0 {
			ids = append(ids, ctl)
		}
		text = text[min(cut+n, len(text)):]
	}
	return ids
}

func TestChatTemplateV1MatchesMistralCommon(t *testing.T) {
	b, err := os.ReadFile(testref.Testdata("tokenizer", "vectors.json"))
	require.NoError(t, err)
	var vectors struct {
		V1 struct {
			Chat []chatCase `json:"chat_v1_format"`
		} `json:"mistral-v1"`
	}
	require.NoError(t, json.Unmarshal(b, &vectors))
	require.NotEmpty(t, vectors.V1.Chat)
	tok, err := tokenizer.LoadSentencePiece(testref.Testdata("tokenizer", "mistral-v1.model"))
	require.NoError(t, err)
	var renders []render
	for _, c := range vectors.V1.Chat {
		msgs := c.Turns
		if c.System != "" {
			msgs = append([]map[string]string{{"role": "system", "content": c.System}}, msgs...)
		}
		renders = append(renders, render{Template: ChatTemplateV1, Messages: msgs})
	}
	for i, r := range renderJinja(t, renders) {
		require.Empty(t, r.Error)
		assert.Equal(t, vectors.V1.Chat[i].IDs, tokenizeLikeLlamaCpp(t, tok, r.Text), "%q", r.Text)
	}
}

func TestChatTemplateRendering(t *testing.T) {
	conv := []map[string]string{
		{"role": "system", "content": "Be brief."},
		{"role": "user", "content": "Hi"},
		{"role": "assistant", "content": " Hello! "},
		{"role": "user", "content": "Bye"},
	}
	cases := []struct {
		name, template string
		msgs           []map[string]string
		want           string // the text, or the error
	}{
		{"v1", ChatTemplateV1, conv, "<s>[INST] Be brief.\n\nHi [/INST]  Hello! </s>[INST] Bye [/INST]"},
		{"v1 without system", ChatTemplateV1, conv[1:], "<s>[INST] Hi [/INST]  Hello! </s>[INST] Bye [/INST]"},
		{"v3", ChatTemplateV3, conv, "<s>[INST] Hi[/INST] Hello!</s>[INST] Be brief.\n\nBye[/INST]"},
		{"v3 without system", ChatTemplateV3, conv[1:], "<s>[INST] Hi[/INST] Hello!</s>[INST] Bye[/INST]"},
		{"empty", ChatTemplateV1, nil, "<s>"},
	}
	const alternate = "After an optional system message, roles must alternate user, assistant, user, ..."
	for _, tmpl := range []string{ChatTemplateV1, ChatTemplateV3} {
		cases = append(cases, []struct {
			name, template string
			msgs           []map[string]string
			want           string
		}{
			{"assistant first", tmpl, []map[string]string{{"role": "assistant", "content": "x"}}, alternate},
			{"two users", tmpl, []map[string]string{{"role": "user", "content": "x"}, {"role": "user", "content": "y"}}, alternate},
			{"unknown role", tmpl, []map[string]string{{"role": "user", "content": "x"}, {"role": "tool", "content": "y"}}, "Unknown role: tool"},
		}...)
	}
	var renders []render
	for _, c := range cases {
		renders = append(renders, render{Template: c.template, Messages: c.msgs})
	}
	for i, r := range renderJinja(t, renders) {
		got := r.Text
		if r.Error != "" {
			got = r.Error
		}
		assert.Equal(t, cases[i].want, got, cases[i].name)
	}
}
