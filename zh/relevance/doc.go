// Package relevance loads driftrec's labelled Chinese relevance sets and
// measures how well any driftrec.Encoder ranks the relevant item of each
// query first.
//
// A set (zh/testdata/relevance-zh.json, relevance-movielens.json) is a list
// of queries, each with a handful of candidate item texts of which exactly
// one is relevant. Evaluate encodes every query and candidate, ranks each
// query's candidates by cosine similarity and reports top-1 accuracy and
// mean reciprocal rank over the whole set, per domain, and on two slices:
// queries whose relevant item shares a Han character with the query
// (手提电脑 / 笔记本电脑 share 电脑) and queries whose relevant item shares
// none (机票 / 航班). A lexical encoder can only succeed on the first; the
// second measures meaning. Ties are ranked as the project's evaluation
// protocol ranks them: rank = 1 + higher + equal/2.
//
// How the sets were written and labelled is in docs/chinese.md.
package relevance
