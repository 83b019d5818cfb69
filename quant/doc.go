// Package quant turns Mistral weights into GGUF files.
//
// Convert reads a Hugging Face Mistral folder (config.json, safetensors
// sharded or not, in F32, F16 or BF16, and tokenizer.model) or a folder in
// Mistral's consolidated layout (params.json, consolidated.safetensors,
// tokenizer.model) and writes a GGUF file of architecture "llama" with the
// standard tensor names (token_embd, output_norm, output, blk.N.attn_q, ...),
// the 2-D weights in F32, F16 or BF16 and the norms in F32. Hugging Face
// stores the rows of the Q and K projections in the rotate-half order of its
// RoPE; they are permuted into the adjacent-pair order of GGML's RoPE, which
// the consolidated layout already uses. The metadata holds the
// hyper-parameters (llama.*, with llama.attention.sliding_window), the
// SentencePiece tokenizer (tokenizer.ggml.*) and a chat template in Mistral's
// instruct format.
//
// Quantize writes a model, a GGUF file or a folder converted on the way, in
// one of the named quantisations users know from llama.cpp (FileType:
// Q4_K_M, Q5_K_S, Q8_0, F16, ...). A named quantisation is a mixture: the
// rules of mixture.go give some tensors more bits (output.weight in Q6_K,
// some layers' attn_v and ffn_down in Q6_K for Q4_K_M, ...) the way
// llama.cpp's quantizer does, and our files are byte for byte those
// llama.cpp makes from the same weights. Rows too short for a type's blocks
// fall back to a type of smaller blocks; the 1-D norms stay F32. The rows of
// each tensor are quantised in parallel by GGML's own quantisers.
//
// Both stream: the source files are memory-mapped and each tensor is
// written as soon as it is converted, so memory stays near the size of the
// largest tensor, whatever the size of the model. The output goes to a
// temporary file renamed at the end; a failed or cancelled run leaves
// nothing behind.
//
// A folder from the internet is not trusted. Nothing it claims sizes work
// before it is checked against what its files hold: config.json and
// params.json are bounded in size and every hyper-parameter in range
// (mistral/arch's table), the safetensors headers and the shard index are
// bounded (a model of arch.MaxLayers layers, a kilobyte of header per
// tensor), the layers the configuration claims must be in the files, the
// tokenizer's pieces are counted before they are read, and every tensor's
// shape is compared with the configuration before any data is read. A
// folder that fails is an error naming the file and the key or tensor. The
// context is honoured in every stage: reading the folder, planning the
// tensors' types, writing.
package quant
