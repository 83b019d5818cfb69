package quant

// Chat templates written to tokenizer.chat_template, in Jinja as Hugging Face
// ships them, for Mistral's instruct format. Roles must alternate user,
// assistant, user, ... after an optional leading system message.

// ChatTemplateV1 is the instruct format of Mistral's v1 tokenizer (32000
// pieces, where [INST] is plain text), as mistral-common builds it:
//
//	<s>[INST] {user} [/INST] {answer}</s>[INST] {user} [/INST]
//
// with the system message joined to the first user message by a blank line.
// Tokenised as llama.cpp does (control tokens matched, a dummy-prefix space
// at the start of each text that follows one), the rendered text gives
// mistral-common's ids.
const ChatTemplateV1 = `{%- if messages and messages[0]['role'] == 'system' -%}
    {%- set system_message = messages[0]['content'] -%}
    {%- set conversation = messages[1:] -%}
{%- else -%}
    {%- set system_message = '' -%}
    {%- set conversation = messages -%}
{%- endif -%}
{{- bos_token -}}
{%- for message in conversation -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{- raise_exception('After an optional system message, roles must alternate user, assistant, user, ...') -}}
    {%- endif -%}
    {%- if message['role'] == 'user' -%}
        {%- if loop.first and system_message -%}
            {{- '[INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' -}}
        {%- else -%}
            {{- '[INST] ' + message['content'] + ' [/INST]' -}}
        {%- endif -%}
    {%- elif message['role'] == 'assistant' -%}
        {{- ' ' + message['content'] + eos_token -}}
    {%- else -%}
        {{- raise_exception('Unknown role: ' + message['role']) -}}
    {%- endif -%}
{%- endfor -%}
`

// ChatTemplateV3 is the instruct format of Mistral's v3 tokenizer (32768
// pieces, where [INST] and [/INST] are control tokens), as Mistral 7B
// Instruct v0.3 uses it:
//
//	<s>[INST] {user}[/INST] {answer}</s>[INST] {user}[/INST]
//
// with the system message joined to the last user message by a blank line,
// as mistral-common does from its v3 tokenizer on.
const ChatTemplateV3 = `{%- if messages and messages[0]['role'] == 'system' -%}
    {%- set system_message = messages[0]['content'] -%}
    {%- set conversation = messages[1:] -%}
{%- else -%}
    {%- set system_message = '' -%}
    {%- set conversation = messages -%}
{%- endif -%}
{{- bos_token -}}
{%- for message in conversation -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{- raise_exception('After an optional system message, roles must alternate user, assistant, user, ...') -}}
    {%- endif -%}
    {%- if message['role'] == 'user' -%}
        {%- if loop.last and system_message -%}
            {{- '[INST] ' + system_message + '\n\n' + message['content'] + '[/INST]' -}}
        {%- else -%}
            {{- '[INST] ' + message['content'] + '[/INST]' -}}
        {%- endif -%}
    {%- elif message['role'] == 'assistant' -%}
        {{- ' ' + message['content'] | trim + eos_token -}}
    {%- else -%}
        {{- raise_exception('Unknown role: ' + message['role']) -}}
    {%- endif -%}
{%- endfor -%}
`
