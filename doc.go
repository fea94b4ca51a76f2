// Package driftrec holds the domain of the driftrec service: the types that
// every other package speaks (items, events, interest profiles), the small
// interfaces that adapters implement (Encoder, Store) and the application
// error codes that transports map to status codes.
//
// Dependencies point inward: encoders, the interest model, the index, the
// recommender, storage backends and the HTTP API all import this package;
// it imports none of them. cmd/driftrec is the only place that wires
// concrete implementations together.
package driftrec
