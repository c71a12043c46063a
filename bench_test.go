package tokengate_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// The speed benchmarks: for each algorithm, on one Picket-shaped token,
//
//	floor     the signature check alone, with the standard library
//	handler   a request through Middleware.Handler, nothing cached
//	cached    the same with WithCache: a cache hit
//	*-par     the same with b.RunParallel on every core (GOMAXPROCS)
//	*-par1    the same on one core (GOMAXPROCS 1), run right before *-par,
//	          so that *-par1 ÷ *-par is how the path scales with the cores
//
// and, once, the group "context": a bare handler that copies the request
// with a new Claims in its context, which every request that reaches the
// handler with claims costs, whatever the middleware ("floor" and
// "floor-par"). Its parallel figure shows how far this machine scales work
// that is mostly allocation.
//
// Run them all six times (separate runs, so the i-th result of each comes
// from the same run) and print each as a ratio to its floor:
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench Speed .; done | tee speed.txt
//	go run ./internal/benchratio < speed.txt
//	go run ./internal/benchratio -cores context/floor < speed.txt

var speedAlgs = []jwa.SignatureAlgorithm{jwa.RS256, jwa.ES256, jwa.EdDSA, jwa.HS256}

// speedFixture is one algorithm's issuer, token and middleware options.
type speedFixture struct {
	iss   *tokengatetest.Issuer
	token string
	keys  tokengate.KeySource
}

func newSpeedFixture(b *testing.B, alg jwa.SignatureAlgorithm) speedFixture {
	iss := newIssuer(b, alg)
	keys := tokengate.PublicKey(alg, iss.PublicKey())
	if s := iss.Secret(); s != nil {
		keys = tokengate.HMACKey(alg, s)
	}
	return speedFixture{iss: iss, token: iss.Token(picketClaims()), keys: keys}
}

// floor verifies the token's signature with the standard library only.
func (f speedFixture) floor(b *testing.B) func() bool {
	dot := strings.LastIndexByte(f.token, '.')
	input := []byte(f.token[:dot])
	sig, err := base64.RawURLEncoding.DecodeString(f.token[dot+1:])
	if err != nil {
		b.Fatal(err)
	}
	switch pub := f.iss.PublicKey().(type) {
	case *rsa.PublicKey:
		return func() bool {
			h := sha256.Sum256(input)
			return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) == nil
		}
	case *ecdsa.PublicKey:
		return func() bool {
			h := sha256.Sum256(input)
			r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
			return ecdsa.Verify(pub, h[:], r, s)
		}
	case ed25519.PublicKey:
		return func() bool { return ed25519.Verify(pub, input, sig) }
	default:
		secret := f.iss.Secret()
		return func() bool {
			mac := hmac.New(sha256.New, secret)
			mac.Write(input)
			return hmac.Equal(mac.Sum(nil), sig)
		}
	}
}

// discard is a ResponseWriter that keeps only the status, reusable across
// requests, so the benchmarks measure the middleware and not a recorder.
type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(s int)           { d.status = s }

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

func BenchmarkSpeed(b *testing.B) {
	withClaims := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		okHandler.ServeHTTP(w, r.WithContext(tokengate.ContextWithClaims(r.Context(), new(tokengate.Claims))))
	})
	runHandler(b, "context/floor", withClaims, bearer("x"))
	runHandlerParallel(b, "context/floor", withClaims, bearer("x"))
	for _, alg := range speedAlgs {
		f := newSpeedFixture(b, alg)
		floor := f.floor(b)
		if !floor() {
			b.Fatal("floor does not verify")
		}
		b.Run(alg.String()+"/floor", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !floor() {
					b.Fatal("floor failed")
				}
			}
		})
		runParallel(b, alg.String()+"/floor", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if !floor() {
						b.Error("floor failed")
						return
					}
				}
			})
		})
		for _, mode := range []struct {
			name string
			opts []tokengate.Option
		}{
			{"handler", nil},
			{"cached", []tokengate.Option{tokengate.WithCache(1024)}},
		} {
			opts := append([]tokengate.Option{tokengate.WithIssuer(f.iss.URL(), f.keys), tokengate.WithAudience("my-app-id")}, mode.opts...)
			h := newMiddleware(b, opts...).Handler(okHandler)
			req := bearer(f.token)
			runHandler(b, alg.String()+"/"+mode.name, h, req)
			runHandlerParallel(b, alg.String()+"/"+mode.name, h, req)
		}
	}
}

// runHandler times h serving req, which must answer 200, one request at a
// time.
func runHandler(b *testing.B, name string, h http.Handler, req *http.Request) {
	b.Run(name, func(b *testing.B) {
		w := &discard{h: http.Header{}}
		h.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		b.ReportAllocs()
		for b.Loop() {
			w.status = 0
			h.ServeHTTP(w, req)
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		}
	})
}

// runParallel runs f, which uses b.RunParallel, as name+"-par1" on one
// core (GOMAXPROCS 1: the collector's work too) and then as name+"-par" on
// every core, back to back, so that a slow spell of the machine weighs on
// both. Both runs hold serverHeap bytes live.
func runParallel(b *testing.B, name string, f func(b *testing.B)) {
	heap := make([]byte, serverHeap)
	defer runtime.KeepAlive(heap)
	b.Run(name+"-par1", func(b *testing.B) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		f(b)
	})
	b.Run(name+"-par", f)
}

// serverHeap is the live memory the parallel runs hold, as a server's heap
// would (pointer-free, so the collector never scans it). A test process has
// a few megabytes live, and the collector then starts a cycle every 4 MB
// allocated: over a thousand a second on two cores for the context
// baseline, whose stop-the-world phases and start-up, rather than the
// cores, then bound whatever allocates. With 64 MB live a cycle comes every
// 64 MB, as it would in a server holding that much.
const serverHeap = 64 << 20

// runHandlerParallel is runHandler with b.RunParallel, through runParallel.
func runHandlerParallel(b *testing.B, name string, h http.Handler, req *http.Request) {
	runParallel(b, name, func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			w := &discard{h: http.Header{}}
			for pb.Next() {
				w.status = 0
				h.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Errorf("status %d", w.status)
					return
				}
			}
		})
	})
}
