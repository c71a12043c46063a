package tokengate

import "errors"

// challenge is the WWW-Authenticate value of a refusal under WithDPoP
// (RFC 9449 §7.1 and §7.2): a DPoP challenge with the accepted proof
// algorithms in algs, preceded, with DPoPAllowed, by a Bearer challenge.
// The error code (and scope) go into the challenge of the scheme the
// request used (dpopScheme: its Authorization header is in the DPoP
// scheme), DPoP for the DPoP errors; a request without credentials gets
// both challenges without one.
func (dp *dpopConfig) challenge(realm string, e *Error, scope string, dpopScheme bool) string {
	dpop := `DPoP realm="` + realm + `"`
	if e.Code != "" && (dpopScheme || isDPoPError(e.Err) || dp.mode == DPoPRequired) {
		dpop += `, error="` + e.Code + `"`
		if scope != "" {
			dpop += `, scope="` + scope + `"`
		}
		dpop += `, algs="` + dp.algList + `"`
		if dp.mode == DPoPRequired {
			return dpop
		}
		return dpop + ", " + wwwAuthenticate(realm, "", "")
	}
	dpop += `, algs="` + dp.algList + `"`
	if dp.mode == DPoPRequired {
		return dpop
	}
	return wwwAuthenticate(realm, e.Code, scope) + ", " + dpop
}

// isDPoPError reports whether err is one of the DPoP refusals, whose
// answer is a DPoP challenge whatever scheme the request used.
func isDPoPError(err error) bool {
	return errors.Is(err, ErrDPoPProof) || errors.Is(err, ErrDPoPNonce) ||
		errors.Is(err, ErrDPoPBinding) || errors.Is(err, ErrDPoPRequired)
}
