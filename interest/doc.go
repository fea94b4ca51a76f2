// Package interest is driftrec's model of what a user cares about and how
// that changes: several long-term interests, a short-term state and a
// memory of rejections, all updated on every event.
//
// # Vectors and weights
//
// Every event e at time t_e with a vector x_e (the item's vector, the
// encoded query/comment text, or the normalised sum of both) carries a signed
// weight w_e from the configuration: a purchase counts more than a view, a
// dislike or a skip is negative, and a rating maps its value through
// RatingMap (high ratings positive, low ones negative). Vectors are
// normalised to unit length before use: x̂ = x/‖x‖.
//
// Decay is exponential with a half-life h: a quantity recorded at t₀ counts
// d(Δ) = 2^(−Δ/h) times as much at t₀ + Δ. Decay is applied lazily: each
// part of the profile stores its value together with the time it was last
// brought up to date.
//
// # Long-term interests
//
// The seed asks to "cluster all query vectors"; like PinnerSage (Pal et al.,
// KDD 2020) a user keeps several interests instead of one average, because
// the average of "running shoes" and "coffee mugs" is neither. Interest k
// keeps a decayed weighted sum S_k = Σ d(t−t_e)·w_e·x̂_e of the events that
// joined it (its direction is the centroid ĉ_k = S_k/‖S_k‖), the matching
// mass M_k = Σ d(t−t_e)·w_e, and an importance I_k that decays with the
// configured half-life. Clustering is online, one event at a time:
//
//  1. find the interest k* whose centroid is most similar: s = ĉ_k*·x̂_e;
//  2. if s ≥ JoinSimilarity the event joins k*: S += w·x̂, M += w, I += w;
//  3. otherwise it starts a new interest; if that makes more than
//     MaxInterests, either the least important interest is evicted (when
//     its share of the total importance is below EvictShare) or the pair
//     with the smallest Ward cost
//     Δ(a, b) = M_a·M_b/(M_a+M_b) · ‖ĉ_a − ĉ_b‖²
//     is merged (sums, masses and importances add), which is the step
//     agglomerative Ward clustering would take next.
//
// Because the centroid is a decayed mean, an interest drifts towards what
// the user does now, and an interest the user abandons fades in importance
// without being forgotten at once. Each interest also keeps the few events
// that best represent it (highest w·d·a, with a = ĉ·x̂ when the event
// joined) as exemplars, which label it and explain recommendations, and a
// bounded trace of its importance over time. Events keep no vectors in the
// profile: explanations look them up again, which keeps a profile to its
// interest vectors plus a few kilobytes.
//
// # Short-term state and fusion
//
// The short-term state is the decayed sum of the current session's positive
// event vectors with a short half-life (and, optionally, a decay by
// position, ShortStepDecay, for bursts of events seconds apart); it is
// reset when the session ID changes or after SessionGap of inactivity. The seed's dynamic interest
//
//	θ_dynamic = α·θ_now + (1−α)·θ_history
//
// is applied per interest: the query for interest k is
//
//	q_k = unit(α·ŝ + (1−α)·ĉ_k)
//
// with ŝ the unit short-term vector (α is 0 when there is no current
// session). Its share of the recommendation list fuses the same way:
//
//	share_k = (1−α)·I_k/Σ_j I_j + α·a_k/Σ_j a_j,   a_k = max(0, ĉ_k·ŝ)
//
// so that while a session lasts, the interests it relates to get more of
// the list. α is configurable per deployment and per request.
//
// # Negative feedback
//
// Negative events never create or join an interest. They accumulate in a
// decayed rejection signal N (the recommender subtracts β·strength·(n̂·x̂)
// from an item's score, pushing results away from what the user rejected),
// and they lower the importance of the interest they resemble by
// NegativeImportance·|w|·max(0, ĉ·x̂).
package interest
