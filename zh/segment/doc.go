// Package segment splits Chinese text into words with CC-CEDICT as the
// lexicon, so that each word can be looked up and glossed as a unit.
//
// Text is first normalised (NFKC: full-width letters, digits and spaces
// become ASCII, compatibility ideographs become unified ones) and cut into
// atoms: one Han character each, one run of letters and digits (a Latin
// word, a model number, "5G"), or one run of digits forming a number. Within
// each stretch between spaces and punctuation, a dynamic programme picks
// the sequence of dictionary words and leftover atoms with the lowest total
// cost — the most probable path under a unigram model whose word costs come
// from the dictionary alone.
//
// CC-CEDICT has no word frequencies, so the cost of a word is built from what
// the dictionary does say: every token costs the same (which favours fewer,
// longer words), a single character costs a little more than a word, and
// headwords that are only proper nouns, only variant spellings, or only
// bound forms ("used in ...") cost more, since in running text such a string
// is far more often part of something else. The constants were tuned on the
// hand-segmented queries in zh/testdata/segmentation.json; docs/chinese.md
// has the numbers and a comparison with gse, the best-kept Go segmenter.
//
// Both simplified and traditional text work, since the dictionary indexes
// both forms. Words are matched against the dictionary exactly; mixed
// headwords such as "T恤" or "卡拉OK" match when the Latin part is a whole
// atom.
package segment
