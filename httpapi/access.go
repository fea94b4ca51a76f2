package httpapi

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/auth"
)

// AccessConfig configures what stands in front of every route: API keys,
// CORS and rate limits.
type AccessConfig struct {
	// Keys, when not nil and its file exists (auth.Keys.Enabled), requires
	// a key with the route's scope on every request but the public ones
	// (health, readiness, the OpenAPI document and the console's static
	// files). Without a keys file the API is open.
	Keys *auth.Keys
	// CORSOrigins are the origins whose browsers may call the API ("*"
	// for any). Empty: no cross-origin access (browsers refuse).
	CORSOrigins []string
	// RatePerSecond and RateBurst limit each client — an API key, or the
	// remote address for requests without one — with a token bucket.
	// Zero RatePerSecond: no limit.
	RatePerSecond float64
	RateBurst     int
}

// Access enforces an AccessConfig. Its zero value allows everything.
type Access struct {
	cfg      AccessConfig
	limiters *limiters
	draining atomic.Bool
}

// NewAccess returns the access control for cfg.
func NewAccess(cfg AccessConfig) *Access {
	a := &Access{cfg: cfg}
	if cfg.RatePerSecond > 0 {
		burst := cfg.RateBurst
		if burst <= 0 {
			burst = max(1, int(2*cfg.RatePerSecond))
		}
		a.limiters = newLimiters(rate.Limit(cfg.RatePerSecond), burst)
	}
	return a
}

// WithAccess puts access control in front of every route.
func WithAccess(a *Access) Option { return func(s *Server) { s.access = a } }

// Drain makes /readyz answer 503 from now on, so that load balancers stop
// sending requests while the server shuts down.
func (a *Access) Drain() { a.draining.Store(true) }

// publicRoutes need no key: they say nothing about anyone.
var publicRoutes = map[string]bool{
	"GET /healthz":          true,
	"GET /readyz":           true,
	"GET /openapi.json":     true,
	"GET /{$}":              true, // the console's page and assets
	"GET /assets/{file...}": true,
}

// routeScopes are the routes whose scope the method does not tell:
// reading routes that take a body, writing routes for ingestion, and
// reading routes that only an administrator may use.
var routeScopes = map[string]auth.Scope{
	"POST /v1/recommend":          auth.ScopeRead,
	"POST /v1/embeddings":         auth.ScopeRead,
	"POST /v1/expand":             auth.ScopeRead,
	"POST /v1/events":             auth.ScopeIngest,
	"PUT /v1/items":               auth.ScopeIngest,
	"GET /v1/users/{user}/export": auth.ScopeAdmin,
	"GET /v1/stats/profiles":      auth.ScopeAdmin,
}

// scopeOf returns the scope a route needs: from routeScopes, else read
// for GET and HEAD and admin for everything else (so a route added later
// is closed to all but administrators until it is classified).
func scopeOf(method, pattern string) auth.Scope {
	if sc, ok := routeScopes[pattern]; ok {
		return sc
	}
	if method == http.MethodGet || method == http.MethodHead {
		return auth.ScopeRead
	}
	return auth.ScopeAdmin
}

// apiKey returns the key a request carries: "Authorization: Bearer <key>"
// or "X-API-Key: <key>". Keys in URLs would end up in logs and histories,
// so there is no query parameter.
func apiKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if k, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(k)
		}
		return "\x00" // present but not a bearer token: never valid
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key"))
}

// wrap returns next behind access control. A nil Access adds nothing.
func (a *Access) wrap(s *Server, next *http.ServeMux) http.Handler {
	if a == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if a.cors(w, r) {
			return // a preflight request, answered
		}
		_, pattern := next.Handler(r)
		if r.Pattern == "" {
			r.Pattern = pattern // for the request log and metrics, if refused here
		}
		if pattern == "GET /readyz" && a.draining.Load() {
			writeJSON(w, http.StatusServiceUnavailable, errorBody(driftrec.EUNAVAILABLE, "shutting down", ""))
			return
		}
		client := ""
		if a.cfg.Keys != nil && !publicRoutes[pattern] {
			on, err := a.cfg.Keys.Enabled()
			if err != nil {
				s.log.Error("reading the API keys file failed; the keys read before stay in force", "err", err)
			}
			if on {
				key, err := a.cfg.Keys.Authenticate(apiKey(r))
				if err != nil {
					// Failed attempts count against the address's limit,
					// so that guessing is throttled like any request.
					if a.limited(w, "addr:"+remoteHost(r)) {
						return
					}
					h.Set("WWW-Authenticate", `Bearer realm="driftrec"`)
					s.writeError(w, r, &driftrec.Error{Code: driftrec.EUNAUTHORIZED, Message: err.Error() + `; send "Authorization: Bearer <key>"`})
					return
				}
				if sc := scopeOf(r.Method, pattern); !key.Allows(sc) {
					s.writeError(w, r, driftrec.Errorf(driftrec.EFORBIDDEN, "the API key %q lacks the %s scope this route needs", key.ID, sc))
					return
				}
				client = "key:" + key.ID
			}
		}
		if !publicRoutes[pattern] {
			if client == "" {
				client = "addr:" + remoteHost(r)
			}
			if a.limited(w, client) {
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// limited takes a token from client's bucket, or answers 429 and reports
// that it did.
func (a *Access) limited(w http.ResponseWriter, client string) bool {
	if a.limiters == nil {
		return false
	}
	ok, retry := a.limiters.allow(client)
	if ok {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(retry.Seconds()+0.999))))
	writeJSON(w, http.StatusTooManyRequests, errorBody("rate_limited", "too many requests from this client; retry after the time in Retry-After", ""))
	return true
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// cors sets the CORS headers for an allowed origin and answers preflight
// requests; it reports whether it answered.
func (a *Access) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || len(a.cfg.CORSOrigins) == 0 {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	allowed := false
	for _, o := range a.cfg.CORSOrigins {
		if o == "*" || o == origin {
			allowed = true
			break
		}
	}
	if !allowed {
		return false // the browser refuses the response without the headers
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	h.Set("Access-Control-Expose-Headers", "Retry-After")
	return false
}

// limiters holds a token bucket per client, forgetting clients idle for
// ten minutes so that the map stays bounded by the recent clients.
type limiters struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	m         map[string]*clientLimiter
	lastPrune time.Time
}

type clientLimiter struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiters(limit rate.Limit, burst int) *limiters {
	return &limiters{limit: limit, burst: burst, m: map[string]*clientLimiter{}}
}

const limiterIdle = 10 * time.Minute

// allow takes a token for client, or says how long until one is free.
func (l *limiters) allow(client string) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	if now.Sub(l.lastPrune) > time.Minute {
		for k, c := range l.m {
			if now.Sub(c.seen) > limiterIdle {
				delete(l.m, k)
			}
		}
		l.lastPrune = now
	}
	c, ok := l.m[client]
	if !ok {
		c = &clientLimiter{lim: rate.NewLimiter(l.limit, l.burst)}
		l.m[client] = c
	}
	c.seen = now
	l.mu.Unlock()
	res := c.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}
