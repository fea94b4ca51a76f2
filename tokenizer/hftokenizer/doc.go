// Package hftokenizer encodes text with a Hugging Face tokenizer.json file,
// reproducing the token ids of the Rust tokenizers library (0.23) bit for
// bit, so that a Go service can feed BERT-family encoders exactly what their
// Python reference would.
//
// Supported components:
//
//   - models: WordPiece, Unigram (Viterbi over piece scores, fused unknown
//     runs, byte fallback) and WordLevel;
//   - normalizers: BertNormalizer, NFC, NFD, NFKC, NFKD, Lowercase,
//     StripAccents, Strip, Nmt, Replace (String and Regex patterns), Prepend,
//     Precompiled (SentencePiece charsmaps) and Sequence;
//   - pre-tokenizers: BertPreTokenizer, Whitespace, WhitespaceSplit,
//     Punctuation, Digits, CharDelimiterSplit, Split, Metaspace (all prepend
//     schemes) and Sequence;
//   - post-processors: TemplateProcessing, BertProcessing,
//     RobertaProcessing, ByteLevel (a no-op for ids) and Sequence;
//   - added tokens (lstrip, rstrip, single_word, normalized), truncation
//     (longest_first, only_first, only_second, either side) and padding.
//
// Any other component type (BPE, ByteLevel pre-tokenization, ...) makes
// Parse fail with an error naming it. Decoders are ignored: the package
// encodes only.
//
// # Why not Go's Unicode tables
//
// The reference mixes Unicode versions: its category predicates come from
// Unicode 8.0 data, its normalization from Unicode 9 and Rust's standard
// library from Unicode 16, while Go has Unicode 15. The character classes in
// unicode_tables.go are therefore generated from a dump of the reference's
// behaviour on every code point (testdata/unicode.json.gz), and normalization
// leaves alone the characters the reference does not know. The tests check
// every code point against the dump, and token ids against the reference on
// the golden models and on tokenizers exercising each component.
//
// Regex patterns are Oniguruma syntax in the files; they are rewritten for
// Go's regexp (Unicode \w, \d, \s). Look-around, atomic groups, possessive
// quantifiers and back-references have no RE2 equivalent and are rejected.
//
// Written here because no Go package implements tokenizer.json faithfully;
// the alternatives wrap the Rust library through cgo, which the project's
// single static binary rules out.
package hftokenizer
