package tokengate

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Server nonces (RFC 9449 §9) are stateless, so that every instance that
// shares the secret accepts the nonces any of them handed out:
//
//	nonce = base64url( 0x01 | window (8 bytes, big-endian) | 12 random bytes | MAC (16 bytes) )
//	MAC   = HMAC-SHA256(secret, "tokengate DPoP nonce" | 0x00 | the first 21 bytes)[:16]
//
// where window is the Unix time divided by the lifetime. A nonce is valid
// in its window and the next one, so for between one and two lifetimes. The
// random bytes make each nonce unpredictable and distinct; the MAC makes
// them unforgeable without the secret.

const (
	nonceVersion   = 1
	nonceRandBytes = 12
	nonceMACBytes  = 16
	nonceBytes     = 1 + 8 + nonceRandBytes + nonceMACBytes
	nonceLabel     = "tokengate DPoP nonce\x00"
)

type nonceSource struct {
	secret   []byte
	lifetime time.Duration
}

// DPoPNonces makes every DPoP proof carry a nonce the server handed out
// (RFC 9449 §9), so that a client cannot make proofs ahead of time. A proof
// without one, or with one that is forged or expired, is answered 401
// use_dpop_nonce ([ErrDPoPNonce]) with a fresh nonce in the DPoP-Nonce
// header, and the client retries with it. Nonces are HMAC-SHA256 tags over
// a time window and random bytes: no state is kept, and every instance
// given the same secret accepts the nonces of the others. A nonce is valid
// for between lifetime and twice lifetime. The proof's iat is still checked
// ([DPoPMaxAge]). A [WithErrorHandler] handler must send
// [Error.DPoPNonce] in the DPoP-Nonce header itself. Default: no nonces. New fails on a secret shorter than 32
// bytes or a lifetime outside [10s, 24h].
func DPoPNonces(secret []byte, lifetime time.Duration) DPoPOption {
	return func(dp *dpopConfig) error {
		switch {
		case len(secret) < 32:
			return fmt.Errorf("DPoPNonces: the secret has %d bytes, want at least 32", len(secret))
		case lifetime < 10*time.Second || lifetime > 24*time.Hour:
			return fmt.Errorf("DPoPNonces: lifetime %v is outside [10s, 24h]", lifetime)
		}
		dp.nonces = &nonceSource{secret: append([]byte(nil), secret...), lifetime: lifetime}
		return nil
	}
}

func (s *nonceSource) window(now time.Time) uint64 {
	return uint64(now.Unix() / int64(s.lifetime/time.Second))
}

func (s *nonceSource) mac(body []byte) []byte {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(nonceLabel))
	h.Write(body)
	return h.Sum(nil)[:nonceMACBytes]
}

// issue returns a new nonce for the window of now.
func (s *nonceSource) issue(now time.Time) string {
	var b [nonceBytes]byte
	b[0] = nonceVersion
	binary.BigEndian.PutUint64(b[1:9], s.window(now))
	_, _ = rand.Read(b[9 : 9+nonceRandBytes]) // crypto/rand.Read never fails
	copy(b[9+nonceRandBytes:], s.mac(b[:9+nonceRandBytes]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// valid reports whether nonce is one that s issued in the window of now or
// the one before.
func (s *nonceSource) valid(nonce string, now time.Time) bool {
	b, err := base64.RawURLEncoding.Strict().DecodeString(nonce)
	if err != nil || len(b) != nonceBytes || b[0] != nonceVersion {
		return false
	}
	if !hmac.Equal(b[9+nonceRandBytes:], s.mac(b[:9+nonceRandBytes])) {
		return false
	}
	w, cur := binary.BigEndian.Uint64(b[1:9]), s.window(now)
	return w == cur || w+1 == cur
}

// check refuses a proof without a valid nonce with an error that carries a
// fresh one for the answer's DPoP-Nonce header.
func (s *nonceSource) check(nonce string, present bool, now time.Time) error {
	if present && s.valid(nonce, now) {
		return nil
	}
	why := "no nonce"
	if present {
		why = "a nonce that is not valid now"
	}
	return &nonceChallenge{err: fmt.Errorf("%w: the proof has %s", ErrDPoPNonce, why), nonce: s.issue(now)}
}

// nonceChallenge is an ErrDPoPNonce refusal, with the nonce its answer
// hands out. The nonce is not part of its message.
type nonceChallenge struct {
	err   error
	nonce string
}

func (e *nonceChallenge) Error() string { return e.err.Error() }
func (e *nonceChallenge) Unwrap() error { return e.err }

// challengeNonce is the nonce e's answer sends in DPoP-Nonce, "" when none.
func challengeNonce(e *Error) string {
	if nc, ok := errors.AsType[*nonceChallenge](e); ok {
		return nc.nonce
	}
	return ""
}

// DPoPNonce returns the fresh server nonce of an [ErrDPoPNonce] refusal,
// which the default answer sends in its DPoP-Nonce header: a
// [WithErrorHandler] handler must send it too, or the client cannot retry.
// It returns "" for any other error, and on a nil *Error.
func (e *Error) DPoPNonce() string {
	if e == nil {
		return ""
	}
	return challengeNonce(e)
}
