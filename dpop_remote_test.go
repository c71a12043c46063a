package tokengate_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tokengate/tokengate"
)

// TestDPoPRemoteBinding: a token validated by its issuer (Picket, RFC 7662)
// stays bound to its DPoP key through its own payload's cnf.jkt even when
// the issuer's answer leaves it out, so it is never admitted as Bearer; a
// token whose cnf differs from the answer's is refused.
func TestDPoPRemoteBinding(t *testing.T) {
	for _, k := range remoteKinds {
		t.Run(k.name, func(t *testing.T) {
			f, m := remoteSetup(t, k, nil, tokengate.WithDPoP(tokengate.DPoPAllowed))
			answer := func(tok string, cnf any) {
				f.mu.Lock()
				defer f.mu.Unlock()
				c := map[string]any{}
				for name, v := range f.valid[tok] {
					c[name] = v
				}
				delete(c, "cnf")
				if cnf != nil {
					c["cnf"] = cnf
				}
				f.valid[tok] = c
			}
			bound := f.issue(map[string]any{"cnf": map[string]string{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}})
			answer(bound, nil)
			_, err := m.Authenticate(bearer(bound))
			assert.ErrorIs(t, err, tokengate.ErrDPoPRequired, "the answer left cnf out")

			other := f.issue(map[string]any{"cnf": map[string]string{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}})
			answer(other, map[string]string{"jkt": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"})
			_, err = m.Authenticate(bearer(other))
			assert.ErrorIs(t, err, tokengate.ErrMalformed, "the answer names another key")

			plain := f.issue(nil)
			_, err = m.Authenticate(bearer(plain))
			assert.NoError(t, err, "an unbound token is still a Bearer token")
		})
	}
}
