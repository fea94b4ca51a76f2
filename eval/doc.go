// Package eval is driftrec's offline evaluation: it replays a logged
// dataset through the real engine and through baselines, side by side,
// under one protocol, and reports accuracy with bootstrap intervals,
// beyond-accuracy metrics, cold-start slices and a validation sweep.
//
// # Protocol
//
// Per user, interactions are sorted by (timestamp, file order); the last
// is the test event, the one before it the validation event, the rest are
// training (SplitLeaveLastTwo). Every event of every user is replayed in
// one global time order (NewTimeline), so anything global, such as
// popularity, only ever sees the past. When the replay reaches a held-out
// event, the method ranks its item first, at that event's time, then
// ingests it. The candidates are every item that appears in an
// interaction, minus the items the user interacted with before; the rank
// is 1 + #candidates scored higher + #other candidates scored equal / 2
// (RankAmong). HR@K is the share of users with rank ≤ K, NDCG@K the mean
// of 1/log2(rank+1) over hits, MRR the mean of 1/rank. Hyperparameters are
// chosen on validation NDCG@10 only, and test is reported for the choice.
//
// # Methods
//
// driftrec's methods are configurations of the engine (EngineMethod):
// events go through Engine.Ingest on an in-memory store, queries through
// Engine.Rank, which returns the list the server would serve and the
// target's place in the full ranking it implies. There is no second
// implementation of the model here. The seed's plain method is the engine
// with one interest that every event joins, no decay and a short-term
// state that is the latest event; the full model is the engine's defaults
// or the configuration the sweep chose. The driftrec+collab rows are the
// same engine over text vectors joined with package collab's item vectors
// (co-occurrence and transitions, trained once on the training split),
// with the configuration validation chose for them.
//
// Popularity and item-kNN are baselines, not driftrec's model: plain
// scorers in this package (Popularity, ItemKNN) that exist to pin the
// protocol against published reference numbers.
//
// # Speed
//
// Replays of different methods and configurations are independent and run
// in parallel on a bounded pool; a replay itself is sequential, since each
// query must see exactly the events before it. Item embeddings of neural
// encoders are cached on disk by encoder ID and text hash
// (CachedEncoder), so only the first run pays for embedding the catalogue.
package eval
