// Package arch describes the Mistral architecture once, for every part of
// the module that reads or writes a model: its hyper-parameters (Params)
// with their names in GGUF metadata, in Hugging Face's config.json and in
// Mistral's params.json, their defaults and bounds; and its tensors (Role,
// Tensors) with their names in each layout, their shapes as functions of
// the hyper-parameters and the RoPE row order of Hugging Face's Q and K.
//
// Loading a GGUF file reads it with ReadGGUF; conversion decodes a
// configuration with Decode and, like the synthetic models, writes metadata
// with Params.KV; the quantisation mixtures classify tensors with RoleOf. The package is pure
// Go and holds no state: everything in it is safe for concurrent use.
package arch
