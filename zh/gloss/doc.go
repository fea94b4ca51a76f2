// Package gloss turns Chinese text into short English so that an
// English-only sentence encoder (USE-Lite) can place it in its semantic
// space: 舒适的鞋垫 becomes "cozy insole", 跑鞋垫 "running shoes insole".
//
// Text is segmented with zh/segment; each word is looked up in CC-CEDICT
// (zh/cedict) and given one gloss, the first sense that carries meaning:
//
//   - grammatical particles (的 了 吗 呢 吧 得 地 着 ...) and classifiers after
//     a number or demonstrative (一双鞋, 这部电影) are dropped;
//   - readings that are only proper nouns, surnames, variant spellings or
//     bound forms lose to ordinary readings; among ordinary readings the one
//     with most senses wins, CC-CEDICT's only hint of which is common;
//   - a reading that is only a variant spelling is glossed by its target,
//     and "abbr. for X" or "see X" by X;
//   - within a sense, tags and notes in parentheses, "lit."/"fig." markers
//     (the figurative meaning is kept), a leading "to" and articles are
//     removed and the first of several "; "-separated near-synonyms is kept;
//   - Latin words and numbers are kept as written;
//   - a word with no usable sense is glossed piece by piece: the longest
//     known sub-words from the left, down to single characters.
//
// A single character right after a word, with which the word's last
// character forms a dictionary word, is glossed as that word when that last
// character is the word's head (its own gloss shows in the word's):
// compounds share a character (跑鞋 + 鞋垫 → 跑鞋垫), and 垫 alone ("pad")
// would lose what the query is about.
//
// Gloss returns the English and the Parts it was made from, so that an
// explanation can show which Chinese word became which English one.
//
// The dictionary data is CC-CEDICT, licensed CC BY-SA 4.0; glosses are
// excerpts of it.
package gloss
