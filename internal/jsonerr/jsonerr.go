// Package jsonerr names the kind of a JSON decoding error without its
// text: the errors of jsontext and json quote member names and bytes of
// what they read, which for tokengate is a token's content, and none of it
// may reach an error, a log or an answer.
package jsonerr

import (
	"errors"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// Kind names the kind of err, a JSON decoding error: "duplicate member
// name", "invalid JSON" (syntax, invalid UTF-8, a truncated text) or, for
// anything else, "a member has the wrong type".
func Kind(err error) string {
	var syn *jsontext.SyntacticError
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName):
		return "duplicate member name"
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return "invalid JSON"
	default:
		return "a member has the wrong type"
	}
}
