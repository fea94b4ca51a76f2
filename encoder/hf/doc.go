// Package hf runs BERT-family sentence encoders from Hugging Face folders in
// pure Go: a sentence-transformers folder (or a bare transformers
// checkpoint) with config.json, model.safetensors, tokenizer.json and the
// modules.json pipeline becomes a driftrec.Encoder whose vectors match
// sentence-transformers to float32 rounding.
//
// Supported: model_type bert, roberta, xlm-roberta and camembert with
// absolute position embeddings; F32, F16 and BF16 weights (package
// safetensors); every tokenizer.json that package hftokenizer reads;
// Pooling (cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken,
// several at once), Dense and Normalize modules; prompts, with
// include_prompt honoured.
//
// # Forward pass
//
// The computation is the transformers library's: embeddings (word,
// position, token type) and LayerNorm, then per layer self-attention with
// a fused query/key/value product, the output projection, residual and
// LayerNorm, the feed-forward layer and a second residual and LayerNorm.
// The matrix products run in package kernel, on the weights as PyTorch
// stores them (out×in, so y = x·Wᵀ is kernel.MatMulTransB).
//
// Texts are packed back to back instead of padded: every position-wise step
// is one product over all tokens of a chunk, and attention runs per text,
// so no mask is needed and no work is spent on padding. A text's vector is
// therefore the same whatever else is in its call, up to the order of
// additions in the kernels. GELU and the softmax exponentials come from
// float32 cubic tables that agree with the exact functions to float32
// rounding (see activation.go); they replaced math.Erf and math.Exp, which
// together took almost half of a small model's forward pass.
//
// # Why it is written here
//
// Running these models from Go otherwise means cgo to ONNX Runtime or
// libtorch, or a Python sidecar; both give up the single static binary the
// project ships. The model is small enough to implement exactly, and the
// golden tests compare every intermediate tensor with transformers.
package hf
