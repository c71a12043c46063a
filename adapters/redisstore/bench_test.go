package redisstore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/adapters/redisstore"
	"github.com/tokengate/tokengate/tokengatetest"
)

// BenchmarkStore measures what single use adds to a request: one Use of a
// fresh id in each store, against the baseline of one uncached HS256
// verification (the cheapest a request gets) in the same run:
//
//	go test -run '^$' -bench Store -count 6 ./adapters/redisstore
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)

	b.Run("baseline=verify-HS256", func(b *testing.B) {
		iss := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.HS256))
		defer iss.Close()
		m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())))
		if err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		tok := iss.Token(tokengate.Claims{Subject: "bench"})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("memory", func(b *testing.B) {
		benchUse(b, tokengate.NewMemoryStore(), exp)
	})
	b.Run("redis-loopback", func(b *testing.B) {
		srv := startRedisB(b)
		benchUse(b, redisstore.New(newClientB(b, srv)), exp)
	})
}

func benchUse(b *testing.B, s tokengate.ReplayStore, exp time.Time) {
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		ok, err := s.Use(ctx, "bench:"+strconv.Itoa(i), exp)
		if err != nil || !ok {
			b.Fatalf("Use = %v, %v", ok, err)
		}
	}
}
