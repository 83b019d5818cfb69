// Package safetensors reads Hugging Face safetensors files: an 8-byte
// little-endian header length, a JSON header describing each tensor (dtype,
// shape, byte range) and optional string metadata, then the raw data.
//
// Reading is strict: the header is bounded (MaxHeaderSize) and must fit the
// file, be valid UTF-8 JSON, name only known dtypes, have shapes that match
// the byte ranges without overflow, and have ranges that tile the data section
// exactly. Problems are reported as *FormatError, with the file, the offset
// and the tensor concerned.
//
// Open maps the file into memory (on unix; elsewhere it reads it whole), so a
// model of many gigabytes opens at once and a tensor's data is a slice of the
// mapping. OpenIndex and OpenDir open a sharded model
// (model.safetensors.index.json) as one Set, checking each shard against
// the index as soon as it is open. For files from untrusted sources, Limits
// bounds the header of each file and the tensors of a set below the
// format's own bounds, and takes a context. DecodeFloat32 and the Float16/BFloat16 functions convert the
// floating-point types exactly, with round-to-nearest-even on the way down.
package safetensors
