package tokengate

import (
	"fmt"
	"math"
	"math/big"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullClaims is a Claims with every field set, by reflection, so that a
// field added to Claims later is covered too: strings from the payload,
// strings that are not in it (unescaped or derived), and lists longer
// than a claimsBox's arrays.
func fullClaims(t *testing.T) *Claims {
	raw := `{"iss":"issuer","sub":"subject","aud":["a1","a2"],"x":"0xabc eip155"}`
	c := &Claims{raw: raw}
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		if !f.CanSet() {
			continue
		}
		switch f.Interface().(type) {
		case string:
			f.SetString("not in the payload: " + name)
		case []string:
			f.Set(reflect.ValueOf([]string{"a1", "a2", name + "-1", name + "-2", "x", "y"}))
		case time.Time:
			f.Set(reflect.ValueOf(time.Unix(1_800_000_000+int64(i), 500).UTC()))
		case *big.Rat:
			f.Set(reflect.ValueOf(big.NewRat(1337, 10000)))
		case *TokenBalances:
			f.Set(reflect.ValueOf(&TokenBalances{ContractAddress: map[string]*big.Rat{"0xa": big.NewRat(2, 1)}}))
		case []WalletAccount:
			f.Set(reflect.ValueOf([]WalletAccount{{"eip155:1", "0xabc"}, {"solana", "derived-address"}}))
		default:
			t.Fatalf("Claims.%s: a %s; teach freeze, thaw and this test about it", name, f.Type())
		}
	}
	c.Issuer, c.Subject = "issuer", "subject"
	return c
}

// TestFrozenClaims: freeze then thaw gives back every field of Claims,
// nil and empty lists apart, and thawed copies share nothing writable.
func TestFrozenClaims(t *testing.T) {
	full := fullClaims(t)
	for _, tt := range []struct {
		name string
		c    *Claims
	}{
		{"every field", full},
		{"zero", &Claims{}},
		{"empty lists", &Claims{raw: "{}", Audience: []string{}, TokenIDs: []string{}, Scopes: []string{}, Wallets: []WalletAccount{}}},
		{"one of each", &Claims{raw: `{"aud":"x"}`, Audience: []string{"x"}, TokenIDs: []string{"1"}, Scopes: []string{"s"},
			Wallets: []WalletAccount{{"eip155", "0x1"}}, TokenBalance: big.NewRat(0, 1)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := freeze(tt.c)
			require.True(t, ok)
			got := f.thaw()
			// big.Rat's words may be laid out differently for one value:
			// compare the values, then the rest.
			if tt.c.TokenBalance != nil {
				require.NotNil(t, got.TokenBalance)
				assert.Zero(t, tt.c.TokenBalance.Cmp(got.TokenBalance), "%v, want %v", got.TokenBalance, tt.c.TokenBalance)
			}
			// Each lives in a box of its own: compare without the box.
			require.NotNil(t, boxOf(got), "thawed claims are in their box")
			want, have := *tt.c, *got
			want.TokenBalance, have.TokenBalance = nil, nil
			want.box, have.box = nil, nil
			assert.Equal(t, want, have)
			assert.Equal(t, tt.c.TokenBalance == nil, got.TokenBalance == nil)
			for _, l := range [][2]any{{tt.c.Audience, got.Audience}, {tt.c.TokenIDs, got.TokenIDs},
				{tt.c.Scopes, got.Scopes}, {tt.c.Wallets, got.Wallets}} {
				assert.Equal(t, reflect.ValueOf(l[0]).IsNil(), reflect.ValueOf(l[1]).IsNil(), "nil stays nil, empty stays empty")
			}
		})
	}
	f, _ := freeze(full)
	a := f.thaw()
	a.Audience[0], a.Wallets[0].Address = "changed", "changed"
	a.TokenBalance.SetInt64(99)
	a.TokenBalances.ContractAddress["0xa"].SetInt64(99)
	full.TokenBalance.SetInt64(98) // the original, after freezing
	b := f.thaw()
	assert.Equal(t, "a1", b.Audience[0])
	assert.Equal(t, "eip155:1", b.Wallets[0].Chain)
	assert.Equal(t, "0xabc", b.Wallets[0].Address)
	assert.Equal(t, "1337/10000", b.TokenBalance.RatString())
	assert.Equal(t, "2", b.TokenBalances.ContractAddress["0xa"].RatString())

	_, ok := freeze(&Claims{raw: "{}", Subject: strings.Repeat("s", maxFrozenText+1)})
	assert.False(t, ok, "a text past a span's reach is not cached")
}

// TestFingerprint: a fingerprint depends on every byte of the token and on
// the cache's keys, with GHASH-AES and with the HMAC-SHA256 fallback.
func TestFingerprint(t *testing.T) {
	tok := strings.Repeat("eyJhbGciOiJIUzI1NiJ9.", 40)
	for _, p := range []fingerprinter{newFingerprinter(), newMACFingerprinter()} {
		seen := map[fingerprint]string{p.of(tok): tok}
		assert.Equal(t, p.of(tok), p.of(strings.Clone(tok)), "same token, same fingerprint")
		for _, other := range []string{"", "a", tok + "\x00", tok[:len(tok)-1], "x" + tok[1:], tok[:400] + "X" + tok[401:]} {
			fp := p.of(other)
			if prev, dup := seen[fp]; dup {
				t.Errorf("%q and %q share a fingerprint", prev, other)
			}
			seen[fp] = other
		}
	}
	assert.NotEqual(t, newFingerprinter().of(tok), newFingerprinter().of(tok), "keys differ per cache")
	assert.NotEqual(t, newMACFingerprinter().of(tok), newMACFingerprinter().of(tok), "HMAC keys differ per cache")
}

// TestFingerprintFIPSOnly: in the FIPS 140-only mode, which refuses
// AES-GCM with a fixed nonce, the cache fingerprints with HMAC-SHA256 and
// finds what it holds. The test runs itself again with
// GODEBUG=fips140=only, a setting read when the process starts.
func TestFingerprintFIPSOnly(t *testing.T) {
	if os.Getenv("TOKENGATE_FIPS_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFingerprintFIPSOnly$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "TOKENGATE_FIPS_CHILD=1", "GODEBUG=fips140=only")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "--- PASS: TestFingerprintFIPSOnly")
		return
	}
	c := newTokenCache(16)
	require.Nil(t, c.fp.gcm, "AES-GCM with a fixed nonce is refused")
	require.NotNil(t, c.fp.macs)
	e := &cacheEntry{fp: c.fp.of("a.b.c")}
	c.put(e)
	assert.Same(t, e, c.get(c.fp.of(strings.Clone("a.b.c"))))
	assert.Nil(t, c.get(c.fp.of("a.b.d")))
}

// TestTokenCache: the cache holds at most its size, finds what it holds,
// drops what it is told to, and serves lock-free readers while writers
// fill it (run with -race).
func TestTokenCache(t *testing.T) {
	for _, size := range []int{1, 7, 8, 9, 100} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			c := newTokenCache(size)
			entries := make([]*cacheEntry, 4*size)
			for i := range entries {
				entries[i] = &cacheEntry{fp: c.fp.of(fmt.Sprint("token ", i))}
				c.put(entries[i])
				assert.Same(t, entries[i], c.get(entries[i].fp), "the newest entry is found")
				assert.LessOrEqual(t, c.len(), size)
			}
			assert.GreaterOrEqual(t, c.len(), (size+1)/2)
			last := entries[len(entries)-1]
			c.drop(last)
			assert.Nil(t, c.get(last.fp))
			c.drop(last) // twice is harmless
		})
	}
	c := newTokenCache(64)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				e := &cacheEntry{fp: c.fp.of(fmt.Sprint(w, i%100))}
				if got := c.get(e.fp); got != nil && got.fp != e.fp {
					t.Errorf("lookup of %v found %v", e.fp, got.fp)
				}
				if i%3 == 0 {
					c.put(e)
				}
				if i%7 == 0 {
					c.drop(e)
				}
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, c.len(), 64)
}

// TestCacheEvictsEvenly: once the cache is full, every set takes its
// share of the evictions, whichever of its fingerprint's two sets a token
// is put in.
func TestCacheEvictsEvenly(t *testing.T) {
	const sets, inserts = 64, 100_000
	c := newTokenCache(sets * cacheWays)
	for i := 0; c.len() < sets*cacheWays; i++ {
		c.put(&cacheEntry{fp: c.fp.of(fmt.Sprint("fill ", i))})
	}
	var took [sets]int
	for i := range inserts {
		e := &cacheEntry{fp: c.fp.of(fmt.Sprint("new ", i))}
		c.put(e)
		a, b := c.choices(e.fp)
		if _, got := c.find(a, e.fp); got == e {
			took[a]++
		} else if _, got := c.find(b, e.fp); got == e {
			took[b]++
		} else {
			t.Fatalf("insert %d is in neither of its sets", i)
		}
	}
	const mean = inserts / sets
	for s, n := range took {
		if n < mean*3/4 || n > mean*5/4 {
			t.Errorf("set %d took %d evictions, the mean is %d", s, n, mean)
		}
	}
}

// TestSetRat: setRat copies any rational, in the given arrays when it fits
// them, and the copy shares nothing with the original.
func TestSetRat(t *testing.T) {
	huge, _ := new(big.Rat).SetString("123456789012345678901234567890123456789012345678901234567890.5")
	maxWord := new(big.Int).SetUint64(math.MaxUint64)
	widest := new(big.Rat).SetFrac(maxWord, new(big.Int).Lsh(big.NewInt(1), 63))           // both fit 64 bits
	wider := new(big.Rat).SetFrac(new(big.Int).Add(maxWord, big.NewInt(1)), big.NewInt(3)) // 2⁶⁴ does not
	for _, x := range []*big.Rat{big.NewRat(1337, 10000), big.NewRat(-1337, 10000), big.NewRat(0, 1),
		big.NewRat(5, 1), new(big.Rat), huge, new(big.Rat).Neg(huge), widest, wider,
		new(big.Rat).Inv(widest), new(big.Rat).Inv(wider)} {
		var w ratWords
		orig := x.RatString()
		z := setRat(new(big.Rat), x, &w)
		assert.Equal(t, orig, z.RatString())
		z.Num().SetInt64(77)
		z.SetInt64(99)
		assert.Equal(t, orig, x.RatString(), "the original is untouched")
	}
	x := big.NewRat(1337, 10000)
	var z big.Rat
	var w ratWords
	assert.Zero(t, testing.AllocsPerRun(100, func() { setRat(&z, x, &w) }), "a small rational costs no allocation")
	assert.Zero(t, testing.AllocsPerRun(100, func() { setRat(&z, widest, &w) }), "nor one of 64-bit words")
}

// TestClaimsBoxSize: a cache hit allocates one claimsBox, which is also the
// request's context; with the 8-byte header Go adds to an object over 512
// bytes that holds pointers, it fits the 576-byte class, 16 bytes more
// than the 512-byte box and 48-byte context.WithValue it replaces: a field
// more (or a longer array in it) costs every hit the next size class.
func TestClaimsBoxSize(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(claimsBox{})+8, uintptr(576))
	// An uncached token's claims box and payload: with the malloc header
	// (8 bytes), the 1,024-byte class, not the next one (1,152).
	assert.LessOrEqual(t, unsafe.Sizeof(boxedText{})+8, uintptr(1024))
}

// TestOffsetIn: a substring of the text is found where its bytes are, even
// after an earlier equal run; a copy is found by search; and nothing
// outside the text is placed in it.
func TestOffsetIn(t *testing.T) {
	text := `{"a":"0xab","b":"0xab"}`
	second := text[17:21] // the second "0xab", by its bytes
	tests := []struct {
		name string
		s    string
		want int
	}{
		{"own bytes", second, 17},
		{"own bytes at the start", text[:2], 0},
		{"own bytes at the end", text[len(text)-2:], len(text) - 2},
		{"a copy: the first occurrence", strings.Clone(second), 6},
		{"absent", "0xcd", -1},
		{"empty", "", 0},
		{"longer than the text", strings.Repeat("x", len(text)+1), -1},
		{"overlapping the end", (text + "0xab")[len(text)-2:], -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, offsetIn(text, tt.s))
		})
	}
}
