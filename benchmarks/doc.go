// Package benchmarks compares the cost of one authenticated request through
// tokengate and through its peers (auth0/go-jwt-middleware, echo-jwt,
// go-chi/jwtauth), next to the cost of the bare signature check (the floor)
// and of the same request with no middleware at all.
//
// It is a module of its own so that the peers never appear in tokengate's
// go.mod. Everything is in peers_test.go; see README.md for how to run it and
// ../internal/benchratio for the table.
package benchmarks
