package driftrec

import "context"

// Encoder turns texts into fixed-length vectors. Implementations live under
// encoder/ (lexical, USE-Lite, Hugging Face folders, remote endpoints).
//
// Vectors from two encoders are comparable only when their IDs are equal;
// the store keeps each item's vector together with the ID of the encoder that
// produced it, so a change of model triggers re-embedding.
type Encoder interface {
	// ID names the encoder and its weights, for example
	// "use-lite/energetic-ai-0.2.0" or "lexical/v1+idf:3f2a…".
	ID() string
	// Dim is the length of every vector Encode returns.
	Dim() int
	// Encode returns one vector per text, in order. Implementations must be
	// safe for concurrent use and must honour ctx cancellation for long
	// batches.
	Encode(ctx context.Context, texts []string) ([][]float32, error)
}
